import type { OpenAPIObject, ParameterObject, ReferenceObject } from '@nestjs/swagger';

const templateNames = (path: string) => new Set([...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]));
const isParameter = (p: ParameterObject | ReferenceObject): p is ParameterObject => !('$ref' in p);

/**
 * A route with several paths (FluxOS's `/x`, `/x/:hash`, `/x/:hash/:owner`) shares one handler and so
 * one list of parameters, but OpenAPI wants on each path exactly the path parameters of its template,
 * each required. This keeps those, drops the others, and declares (as strings) any the decorators
 * left out.
 */
export function alignPathParameters(document: OpenAPIObject): OpenAPIObject {
  for (const [path, item] of Object.entries(document.paths)) {
    const names = templateNames(path);
    for (const method of ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const) {
      const op = item[method];
      if (!op) continue;
      const params = (op.parameters ?? []).filter((p) => !isParameter(p) || p.in !== 'path' || names.has(p.name));
      for (const p of params) if (isParameter(p) && p.in === 'path') p.required = true;
      for (const name of names) {
        if (!params.some((p) => isParameter(p) && p.in === 'path' && p.name === name)) {
          params.push({ name, in: 'path', required: true, schema: { type: 'string' } });
        }
      }
      op.parameters = params;
    }
  }
  return document;
}
