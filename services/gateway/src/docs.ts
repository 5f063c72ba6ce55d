import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { asyncApiDocument } from '@fluxplane/client';
import { alignPathParameters } from './openapi-paths';

/**
 * OpenAPI for the routes: the UI at `/docs`, the document at `/docs/json`. Version 3.1: its schema
 * objects are JSON Schema 2020-12, what the routes' zod schemas are written out as.
 */
export function buildDocument(app: NestFastifyApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('fluxplane gateway')
    .setDescription('FluxOS-compatible REST API. Every answer is {status, data}; errors are {status:"error", data:{code, name, message}} with HTTP 200, as FluxOS does (transport errors such as 413/429 and unavailable backing services, 503, keep their HTTP status).')
    .setVersion('0.1.0')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'zelidauth' }, 'zelidauth')
    .build();
  return alignPathParameters(SwaggerModule.createDocument(app, config));
}

/**
 * OpenAPI at `/docs` and `/docs/json`; the AsyncAPI 3.0 document of the events (generated from the
 * contracts by `@fluxplane/client`) at `/docs/events`.
 */
export function setupDocs(app: NestFastifyApplication): void {
  const events = asyncApiDocument();
  app.getHttpAdapter().getInstance().get('/docs/events', (_req, reply) => {
    void reply.header('cache-control', 'public, max-age=300').send(events);
  });
  SwaggerModule.setup('docs', app, buildDocument(app), { jsonDocumentUrl: 'docs/json' });
}
