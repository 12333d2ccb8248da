import { z } from 'zod';
import { components } from './api/components.js';
import { ERRORS, ref, routes } from './api/routes.js';
import { pagingShape, paramDocs, type RouteSpec } from './api/schema.js';

/**
 * The OpenAPI 3.1 description of /api, served at /api/openapi.json, generated from the route specs
 * (dashboards/api/routes.ts): each parameter and request body is emitted from the zod schema that validates it
 * (z.toJSONSchema); response bodies are the components of dashboards/api/components.ts. Tests validate the
 * document and check every documented response of the running app against it.
 */
type Schema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Schema {
  const out = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Schema;
  delete out.$schema;
  return out;
}

const PAGING_HEADERS: Schema = {
  'X-Total-Count': { description: 'Rows the listing holds in all (every page).', schema: { type: 'integer', minimum: 0 } },
  Link: { description: 'When more rows follow: `<URL of the next page>; rel="next"`.', schema: { type: 'string' } },
};

function parameters(shape: Record<string, z.ZodType>, where: 'query' | 'path'): Schema[] {
  return Object.entries(shape).map(([name, schema]) => {
    const doc = paramDocs.get(schema);
    if (!doc) throw new Error(`${where} parameter ${name} has no documentation (build it with the helpers of dashboards/api/schema.ts)`);
    return {
      name,
      in: where,
      required: where === 'path' || doc.required === true,
      description: doc.description,
      schema: jsonSchema(doc.value, 'output'),
      ...(doc.example ? { example: doc.example } : {}),
    };
  });
}

function operation(spec: RouteSpec, bodies: Record<string, Schema>): Schema {
  const query: Record<string, z.ZodType> = { ...(spec.query?.shape ?? {}) };
  // every listing takes limit and offset (a route's own `limit` wins)
  if (spec.listing) for (const [k, v] of Object.entries(pagingShape)) if (!(k in query)) query[k] = v;
  const params = [...parameters((spec.params as z.ZodObject | undefined)?.shape ?? {}, 'path'), ...parameters(query, 'query')];
  if (spec.body) bodies[spec.body.component] = jsonSchema(spec.body.doc ?? spec.body.schema, 'input');
  const responses = spec.listing
    ? {
        '200': {
          description: spec.listing.description,
          headers: PAGING_HEADERS,
          content: {
            'application/json': { schema: { type: 'array', items: ref(spec.listing.item) } },
            'text/csv': { schema: { type: 'string' } },
          },
        },
        ...ERRORS,
        ...spec.responses,
      }
    : spec.responses;
  return {
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    operationId: spec.operationId,
    ...(spec.admin ? { security: [{ bearer: [] }] } : {}),
    ...(params.length ? { parameters: params } : {}),
    ...(spec.body ? { requestBody: { required: true, content: { 'application/json': { schema: ref(spec.body.component) } } } } : {}),
    responses,
  };
}

export function openApiDocument(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, Schema>> = {};
  const bodies: Record<string, Schema> = {};
  for (const spec of Object.values(routes) as RouteSpec[]) (paths[spec.path] ??= {})[spec.method] = operation(spec, bodies);
  return {
    openapi: '3.1.0',
    info: {
      title: 'outagewatch API',
      version,
      description:
        'Read-only JSON API of outagewatch (writes need `Authorization: Bearer <admin token>`). Times in: ISO 8601 UTC or Unix seconds; times out: ISO 8601 UTC, except chart points (Unix seconds unless `times=iso`). Every listing is also CSV (`?format=csv` or `Accept: text/csv`). Errors: `{ "error": { "code", "status", "message", "requestId" } }`, never a stack trace.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: '/api' }],
    paths,
    components: {
      schemas: { ...components, ...bodies },
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'The admin token (`OUTAGEWATCH_ADMIN_TOKEN`).' } },
    },
  };
}
