import SwaggerParser from '@apidevtools/swagger-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { Response } from 'supertest';
import { openApiDocument } from '../../../dashboards/openapi.js';

type Doc = { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>> };

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

/** The served document, validated as OpenAPI and dereferenced, with a checker of responses against it. */
export async function loadSpec() {
  const doc = openApiDocument('1.2.3');
  await SwaggerParser.validate(structuredClone(doc) as never);
  const deref = (await SwaggerParser.dereference(structuredClone(doc) as never)) as unknown as Doc;
  const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
  const checked = new Set<string>();

  /** Throws unless `res` is a documented response of `method template` whose JSON body matches the schema. */
  function check(method: string, template: string, res: Response): void {
    const op = deref.paths[template]?.[method.toLowerCase()];
    if (!op) throw new Error(`${method} ${template} is not documented`);
    const documented = op.responses[String(res.status)];
    if (!documented) throw new Error(`${method} ${template}: status ${res.status} is not documented (body ${res.text.slice(0, 200)})`);
    checked.add(`${method.toLowerCase()} ${template} ${res.status}`);
    if (res.status === 204) return;
    const type = String(res.headers['content-type'] ?? '')
      .split(';')[0]!
      .trim();
    const media = documented.content?.[type];
    if (!media) throw new Error(`${method} ${template} ${res.status}: content type ${type} is not documented`);
    if (type !== 'application/json') return;
    const validate = ajv.compile(media.schema);
    if (!validate(res.body))
      throw new Error(`${method} ${template} ${res.status}: body does not match the schema: ${ajv.errorsText(validate.errors)}`);
  }

  /** Every documented (method, path, status). */
  function documented(): string[] {
    const out: string[] = [];
    for (const [path, ops] of Object.entries(deref.paths))
      for (const [method, op] of Object.entries(ops))
        for (const status of Object.keys(op.responses)) out.push(`${method} ${path} ${status}`);
    return out.sort();
  }

  return { doc, check, checked, documented };
}
