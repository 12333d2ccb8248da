import type { Logger } from 'pino';
import type { Config } from '../../core/config.js';
import {
  createHttpClient,
  type HttpClient,
  type HttpClientOptions,
  type Query,
  type TextResponse,
  sourceConfig,
} from '../framework/index.js';
import {
  entitiesDataSchema,
  eventsDataSchema,
  parseIodaBody,
  signalsDataSchema,
  type IodaEntity,
  type IodaEvent,
  type IodaSeries,
} from './schema.js';

/**
 * IODA API v2 (`https://api.ioda.inetintel.cc.gatech.edu/v2`): no auth, no documented rate limit, so we
 * self-throttle (2 requests/s, 2 in flight). The body is parsed and validated here; mapping is in collect.ts.
 */
export function createIodaHttp(
  config: Config,
  opts: Omit<Partial<HttpClientOptions>, 'source' | 'baseUrl'> & { log?: Logger } = {},
): HttpClient {
  return createHttpClient({
    source: 'ioda',
    baseUrl: sourceConfig(config, 'ioda').url,
    timeoutMs: 60_000,
    rateLimit: { requests: 2, intervalMs: 1000 },
    concurrency: 2,
    headers: { 'x-requested-with': 'XMLHttpRequest' },
    ...opts,
  });
}

/** outagewatch entity type → IODA's (`asn` is `asn` on both sides). */
export function iodaPath(entity: { type: string; code: string }): string {
  return `${entity.type}/${encodeURIComponent(entity.code)}`;
}

export interface SignalsResponse {
  response: TextResponse;
  series: IodaSeries[][];
}

/** `GET signals/raw/{type}/{code}?from&until&datasource[&sourceParams]`; always passes `datasource`. */
export async function fetchSignals(
  http: HttpClient,
  args: {
    entity: { type: string; code: string };
    from: number;
    until: number;
    datasource: string;
    sourceParams?: string[];
    signal?: AbortSignal;
  },
): Promise<SignalsResponse> {
  const query: Query = { from: args.from, until: args.until, datasource: args.datasource };
  if (args.sourceParams?.length) query.sourceParams = args.sourceParams.join(',');
  const response = await http.getText(`signals/raw/${iodaPath(args.entity)}`, query, { signal: args.signal });
  const { data } = parseIodaBody(response.body, signalsDataSchema, response.url, 'signals');
  return { response, series: data };
}

export interface EventsResponse {
  responses: TextResponse[];
  events: IodaEvent[];
}

/**
 * `GET outages/events` in `codf` format with `ignoreMethods=*.sarima` (as the official UI), paging from
 * page 0 with `limit` until a short page.
 */
export async function fetchEvents(
  http: HttpClient,
  args: { entity: { type: string; code: string }; from: number; until: number; limit?: number; maxPages?: number; signal?: AbortSignal },
): Promise<EventsResponse> {
  const limit = args.limit ?? 500;
  const maxPages = args.maxPages ?? 50;
  const responses: TextResponse[] = [];
  const events: IodaEvent[] = [];
  for (let page = 0; page < maxPages; page++) {
    const query: Query = {
      entityType: args.entity.type,
      entityCode: args.entity.code,
      from: args.from,
      until: args.until,
      format: 'codf',
      ignoreMethods: '*.sarima',
      limit,
      page,
    };
    const response = await http.getText('outages/events', query, { signal: args.signal });
    const { data } = parseIodaBody(response.body, eventsDataSchema, response.url, 'outages.events');
    responses.push(response);
    for (const item of data) events.push(item);
    if (data.length < limit) break;
  }
  return { responses, events };
}

/** `GET entities/query`: e.g. the regions of a country (`relatedTo=country/KZ`), or one entity's name. 0-based paging. */
export async function queryEntities(
  http: HttpClient,
  args: { entityType: string; entityCode?: string; relatedTo?: string; search?: string; limit?: number; signal?: AbortSignal },
): Promise<IodaEntity[]> {
  const limit = args.limit ?? 1000;
  const out: IodaEntity[] = [];
  for (let page = 0; page < 50; page++) {
    const query: Query = {
      entityType: args.entityType,
      entityCode: args.entityCode,
      relatedTo: args.relatedTo,
      search: args.search,
      limit,
      page,
    };
    const response = await http.getText('entities/query', query, { signal: args.signal });
    const { data } = parseIodaBody(response.body, entitiesDataSchema, response.url, 'entities.lookup');
    for (const item of data) out.push(item);
    if (data.length < limit) break;
  }
  return out;
}
