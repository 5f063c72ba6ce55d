import { applyDecorators, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger';
import { z } from 'zod';
import { ErrorBody } from '@fluxplane/contracts';

/**
 * OpenAPI from the same zod schemas that validate: a route's document cannot drift from what it
 * checks and answers. The document is OpenAPI 3.1, whose schema objects are JSON Schema 2020-12,
 * which is what `z.toJSONSchema` writes.
 */
export function jsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'output'): SchemaObject {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest as SchemaObject;
}

/** Flux's envelope around `data`: `{status:'success', data}` or `{status:'error', data:{code, name, message}}`. */
export function fluxEnvelope(data: z.ZodType) {
  return z.discriminatedUnion('status', [
    z.object({ status: z.literal('success'), data }),
    z.object({ status: z.literal('error'), data: ErrorBody }),
  ]);
}

/** The 200 answer of a route: the Flux envelope around `data` (errors too are HTTP 200, as in FluxOS). */
export const ApiFluxReply = (data: z.ZodType, description = 'Flux envelope: the data, or an error {code, name, message}', headers?: Record<string, { description: string; schema: SchemaObject }>) =>
  ApiOkResponse({ description, schema: jsonSchema(fluxEnvelope(data)), ...(headers ? { headers } : {}) });

/** A JSON request body validated by `schema`. */
export const ApiJsonBody = (schema: z.ZodType, description?: string) =>
  ApiBody({ description, schema: jsonSchema(schema, 'input'), required: true });

/**
 * FluxOS's filter routes take each filter either as a path segment (`/x/:hash/:owner`) or as a query
 * parameter (`/x?hash=`): both are declared; docs.ts keeps on each path only the path parameters of
 * its template.
 */
export const ApiFilters = (filters: Record<string, string>) =>
  applyDecorators(...Object.entries(filters).flatMap(([name, description]) => [
    ApiParam({ name, description, schema: { type: 'string' } }),
    ApiQuery({ name, description: `${description} (instead of the path segment)`, required: false, schema: { type: 'string' } }),
  ]));

/** A controller and its OpenAPI tag; the routes are below `path` (default: the tag). */
export const FluxController = (tag: string, path: string = tag) => applyDecorators(ApiTags(tag), Controller(path));

/**
 * A GET route answering the Flux envelope around `reply`. With `cacheMaxAgeS` it is a cached read
 * (FluxOS's response cache): `Cache-Control: max-age=N` and a strong `ETag` on every answer, 304
 * without a body when `If-None-Match` names the current ETag, and HEAD answered with the headers.
 */
export const FluxGet = (path: string | string[], route: { summary: string; reply: z.ZodType; cacheMaxAgeS?: number; cacheSource?: string }) => {
  if (route.cacheMaxAgeS === undefined) return applyDecorators(Get(path), ApiOperation({ summary: route.summary }), ApiFluxReply(route.reply));
  return applyDecorators(
    Get(path),
    ApiOperation({
      summary: route.summary,
      description: `${route.cacheSource ?? 'Answered from an in-memory snapshot that changes only when its read model does.'} \`Cache-Control: max-age=${route.cacheMaxAgeS}\` (FluxOS's cache time) and a strong \`ETag\`; a GET or HEAD with \`If-None-Match\` naming the current ETag answers 304 Not Modified with no body.`,
    }),
    ApiHeader({ name: 'if-none-match', required: false, description: 'ETag of a copy the client holds: 304 when it is still current' }),
    ApiFluxReply(route.reply, undefined, {
      'cache-control': { description: `max-age=${route.cacheMaxAgeS}`, schema: { type: 'string', pattern: '^max-age=\\d+$' } },
      etag: { description: "strong entity tag of the body (the body's SHA-1)", schema: { type: 'string' } },
    }),
  );
};

/**
 * A POST route taking a JSON body validated by `body` and answering the Flux envelope around
 * `reply`, with HTTP 200 (not Nest's 201) as FluxOS answers every POST.
 */
export const FluxPost = (path: string, route: { summary: string; body: z.ZodType; bodyDescription?: string; reply: z.ZodType }) =>
  applyDecorators(
    Post(path), HttpCode(200), ApiOperation({ summary: route.summary }),
    ApiJsonBody(route.body, route.bodyDescription), ApiFluxReply(route.reply),
  );
