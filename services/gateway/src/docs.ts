import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/** OpenAPI for the routes: the UI at `/docs`, the document at `/docs/json`. */
export function setupDocs(app: NestFastifyApplication): void {
  const config = new DocumentBuilder()
    .setTitle('fluxplane gateway')
    .setDescription('FluxOS-compatible REST API. Every answer is {status, data}; errors are {status:"error", data:{code, name, message}} with HTTP 200, as FluxOS does (transport errors such as 413/429 keep their HTTP status).')
    .setVersion('0.1.0')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'zelidauth' }, 'zelidauth')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/json' });
}
