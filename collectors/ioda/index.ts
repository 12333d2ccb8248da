import type { Logger } from 'pino';
import { parseEntity, type EntityRef } from '../../db/entities.js';
import type { PointStore } from '../../db/repository.js';
import type { Config } from '../../core/config.js';
import {
  countWindows,
  pointStoreOf,
  runCollection,
  type HttpClient,
  type HttpClientOptions,
  type WindowTask,
  type WindowData,
  sourceConfig,
} from '../framework/index.js';
import type { CollectArgs, CollectResult, Collector, CollectorModule, IngestArgs, IngestResult } from '../types.js';
import { createIodaHttp, fetchEvents, fetchSignals, queryEntities } from './client.js';
import {
  DEFAULT_GTR_PRODUCTS,
  eventToSourceEvent,
  mapSignalsWindow,
  SETTLE_SECONDS,
  signalGroups,
  signalName,
  IODA_DATASOURCE_NAMES,
} from './collect.js';
import { ingestIodaFiles } from './ingest.js';

export interface IodaOptions {
  http?: HttpClient;
  httpOptions?: Omit<Partial<HttpClientOptions>, 'source' | 'baseUrl'>;
  products?: readonly string[];
  datasources?: readonly string[];
  events?: boolean;
  /** Keep raw responses (gzip) for provenance. Default true. */
  keepRaw?: boolean;
  now?: () => number;
}

export const IODA_NAME = 'ioda';

/** The dependencies of the IODA collector: its logger, and overrides for tests (a client, products, clock). */
export type IodaDeps = { log: Logger } & IodaOptions;

/** IODA (Georgia Tech): signals per datasource and outage events, in windows through the shared runner. */
export class IodaCollector implements Collector {
  readonly name = IODA_NAME;
  readonly products: readonly string[];
  private readonly http: HttpClient;
  private readonly keepRaw: boolean;
  /** Entities whose name is known or was looked up in this process. */
  private readonly named = new Set<string>();

  constructor(
    private readonly config: Config,
    private readonly deps: IodaDeps,
  ) {
    this.http = deps.http ?? createIodaHttp(config, { log: deps.log, ...deps.httpOptions });
    this.products = deps.products ?? DEFAULT_GTR_PRODUCTS;
    this.keepRaw = deps.keepRaw !== false;
  }

  describe(): string {
    return `IODA (Georgia Tech) signals ${IODA_DATASOURCE_NAMES.join(', ')} (gtr: ${this.products.join(', ')}) and outage events, from ${sourceConfig(this.config, IODA_NAME).url}`;
  }

  enabled(): boolean {
    return sourceConfig(this.config, IODA_NAME).enabled;
  }

  disabledReason(): string | null {
    return this.enabled() ? null : 'sources.ioda.enabled is false in the configuration';
  }

  signals(entity: string): string[] {
    return signalGroups(parseEntity(entity), this.products, { datasources: this.deps.datasources, events: false }).flatMap(
      (g) => g.signals,
    );
  }

  windowCount(entity: string, from: number, until: number): number {
    return countWindows(this.groups(parseEntity(entity)), from, until);
  }

  private groups(e: EntityRef) {
    return signalGroups(e, this.products, { datasources: this.deps.datasources, events: this.deps.events });
  }

  async collect(args: CollectArgs): Promise<CollectResult> {
    const e = parseEntity(args.entity);
    const entity = `${e.type}:${e.code}`;
    const store = pointStoreOf(args.store);
    await this.nameEntity(store, e, entity, args.abort);
    return runCollection({
      ...args,
      store,
      entity,
      collector: IODA_NAME,
      groups: this.groups(e),
      settleSeconds: SETTLE_SECONDS,
      now: this.deps.now,
      fetchWindow: (task) => this.fetchWindow(store, e, entity, task),
    });
  }

  /** `outagewatch ingest ioda FILE...`: saved signals/raw and events responses. */
  ingest(args: IngestArgs): Promise<IngestResult> {
    return ingestIodaFiles(args);
  }

  /** The regions IODA knows inside a country (`entities/query?entityType=region&relatedTo=country/CC`). */
  async regionsOf(country: string, signal?: AbortSignal): Promise<Array<{ entity: string; name: string }>> {
    const cc = country.toUpperCase();
    const found = await queryEntities(this.http, { entityType: 'region', relatedTo: `country/${cc}`, signal });
    return found.filter((r) => r.type === 'region').map((r) => ({ entity: `region:${r.code}`, name: r.name }));
  }

  /** Region names come from `entities/query` (series carry a name too, used for the others). */
  private async nameEntity(store: PointStore, e: EntityRef, entity: string, abort?: AbortSignal): Promise<void> {
    if (this.named.has(entity) || e.type !== 'region') return;
    this.named.add(entity);
    const known = (await store.listEntities()).find((x) => x.entity === entity);
    if (known?.name) return;
    try {
      const [found] = await queryEntities(this.http, { entityType: 'region', entityCode: e.code, signal: abort });
      if (found) {
        const cc = found.attrs?.country_code;
        await store.ensureEntity(entity, { name: found.name, country: typeof cc === 'string' ? cc : null });
      }
    } catch (err) {
      this.deps.log.warn({ entity, err }, 'IODA region lookup failed; continuing without its name');
    }
  }

  private async fetchWindow(store: PointStore, e: EntityRef, entity: string, task: WindowTask): Promise<WindowData> {
    if (task.group.key === 'events') {
      const { responses, events } = await fetchEvents(this.http, { entity: e, from: task.from, until: task.until, signal: task.abort });
      return {
        series: [],
        sourceEvents: events.map((ev) => eventToSourceEvent(ev, entity)),
        raw: this.keepRaw
          ? responses.map((r) => ({ source: IODA_NAME, url: r.url, fetchedAt: r.fetchedAt, status: r.status, body: r.body }))
          : [],
        coverage: [{ signal: task.group.signals[0]!, status: 'ok' }],
        urls: responses.map((r) => r.url),
      };
    }
    const datasource = task.group.key;
    const { response, series } = await fetchSignals(this.http, {
      entity: e,
      from: task.from,
      until: task.until,
      datasource,
      sourceParams: datasource === 'gtr' ? [...this.products] : undefined,
      signal: task.abort,
    });
    const now = this.deps.now ? this.deps.now() : Math.floor(Date.now() / 1000);
    const settled = task.until <= now - SETTLE_SECONDS;
    const mapped = mapSignalsWindow({
      url: response.url,
      entity: e,
      datasource,
      expected: task.group.signals,
      data: series,
      from: task.from,
      until: task.until,
      settled,
    });
    if (mapped.entityName && e.type !== 'region' && !this.named.has(entity)) {
      this.named.add(entity);
      await store.ensureEntity(entity, { name: mapped.entityName });
    }
    return {
      series: mapped.series,
      coverage: mapped.coverage,
      raw: this.keepRaw
        ? [{ source: IODA_NAME, url: response.url, fetchedAt: response.fetchedAt, status: response.status, body: response.body }]
        : [],
      urls: [response.url],
    };
  }
}

export function createIodaCollector(config: Config, deps: IodaDeps): IodaCollector {
  return new IodaCollector(config, deps);
}

export { signalName };

const MINUTE = 60;
const DAY = 86400;

/** IODA (Georgia Tech), declared in one place (listed in collectors/registry.ts). */
export const iodaModule: CollectorModule = {
  name: IODA_NAME,
  title: 'IODA',
  summary: `signals ${IODA_DATASOURCE_NAMES.join(', ')} (gtr: Google product traffic) and outage events`,
  source: { url: 'https://api.ioda.inetintel.cc.gatech.edu/v2' },
  cadence: { every: 10 * MINUTE, lag: 30 * MINUTE, refresh: 0, watch: true },
  axis: (signal) => (signal.startsWith('ioda.gtr') ? 'services' : 'connectivity'),
  detectorRules: {
    'ioda.bgp': { window: DAY, warning: 0.99, critical: 0.5, minPoints: 2 },
    'ioda.ping-slash24': { window: 7 * DAY, warning: 0.8, critical: 0.5, minPoints: 2 },
    'ioda.merit-nt': { window: 7 * DAY, warning: 0.25, critical: 0.1, minPoints: 2 },
    'ioda.ucsd-nt': { window: 7 * DAY, warning: 0.25, critical: 0.1, minPoints: 2 },
    'ioda.gtr:*': { window: 7 * DAY, warning: 0.5, critical: 0.25, minPoints: 2, class: 'service' },
  },
  charts: {
    order: ['ioda.bgp', 'ioda.ping-slash24', 'ioda.merit-nt', 'ioda.gtr'],
    titles: {
      'ioda.bgp': 'BGP: visible /24 blocks (IODA)',
      'ioda.ping-slash24': 'Active probing: responsive /24 blocks (IODA)',
      'ioda.merit-nt': 'Network telescope: unique sources (IODA, Merit)',
      'ioda.gtr': 'Google product traffic (IODA, Google Transparency Report)',
    },
  },
  evidenceLinks(e, from, until) {
    if (e.type === 'county') return [];
    return [
      {
        source: IODA_NAME,
        label: `IODA dashboard: ${e.type} ${e.code}`,
        url: `https://ioda.inetintel.cc.gatech.edu/${e.type}/${encodeURIComponent(e.code)}?from=${from}&until=${until}`,
      },
    ];
  },
  ingests: 'saved signals/raw and events responses',
  create: (config, deps) => createIodaCollector(config, deps),
};
