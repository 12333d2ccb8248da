import { parseEntity } from '../../db/entities.js';
import { SYNTHETIC_PROVENANCE } from '../../db/provenance.js';
import type { Config } from '../../core/config.js';
import {
  countWindows,
  FetchError,
  runCollection,
  type HttpClient,
  type SignalGroup,
  type WindowData,
  type WindowTask,
  sourceConfig,
} from '../framework/index.js';
import { ingestFiles, readSavedResponse, savedJson } from '../framework/saved.js';
import type { CollectArgs, CollectResult, Collector, IngestArgs, IngestResult, CollectorDeps } from '../types.js';
import { emptyCollectResult } from '../types.js';
import { fetchCountryResourceStats, ripestatHttp, validateCountryResourceStats } from './client.js';
import { DEFAULT_WINDOW_DAYS, ripestatConfig, type RipestatConfig } from './config.js';
import { RESOLUTION_STEP, RIPESTAT_METRICS, ripeTimeToTs, statsToSeries } from './map.js';

const DAY = 86400;
/** RIPEstat's routing statistics for a day are complete a day later. */
export const RIPESTAT_SETTLE_SECONDS = DAY;
/** Routing history starts in 2004 (country-resource-stats defaults). */
export const RIPESTAT_EARLIEST = Date.UTC(2004, 0, 1) / 1000;

export type RipestatDeps = CollectorDeps;

const isoOf = (ts: number) => new Date(ts * 1000).toISOString().replace('.000Z', 'Z');

/** The answer must be about the asked country and cover the asked range; anything else fails the window (fetched again later). */
function checkAnswered(
  data: { resource: string; query_starttime?: string | null; query_endtime?: string | null },
  ask: { cc: string; from: number; until: number; step: number; url: string },
): void {
  const fail = (field: string, why: string) => {
    throw new FetchError('mismatch', ask.url, `${ask.url}: answer does not match the request at data.${field}: ${why}`, {
      path: `data.${field}`,
    });
  };
  if (data.resource.toUpperCase() !== ask.cc.toUpperCase()) fail('resource', `answer is about "${data.resource}", asked for ${ask.cc}`);
  if (data.query_starttime) {
    const start = ripeTimeToTs(data.query_starttime);
    if (start > Math.floor(ask.from / ask.step) * ask.step)
      fail('query_starttime', `starts at ${isoOf(start)}, asked from ${isoOf(ask.from)}`);
  }
  if (data.query_endtime) {
    const end = ripeTimeToTs(data.query_endtime);
    if (end + ask.step < ask.until) fail('query_endtime', `ends at ${isoOf(end)}, asked until ${isoOf(ask.until)}`);
  }
}

export class RipestatCollector implements Collector {
  readonly name = 'ripestat';
  /** 2004-01-01: country-resource-stats starts its default range there (docs/collectors.md). */
  readonly firstData = 1072915200;
  readonly cfg: RipestatConfig;
  private http: HttpClient | null = null;

  constructor(
    private readonly config: Config,
    private readonly deps: RipestatDeps,
  ) {
    this.cfg = ripestatConfig(config);
  }

  describe(): string {
    return `RIPEstat country-resource-stats (${sourceConfig(this.config, 'ripestat').url}): IPv4/IPv6 prefixes and ASNs seen in RIS per country, resolution ${this.cfg.resolution}`;
  }

  enabled(): boolean {
    return sourceConfig(this.config, 'ripestat').enabled;
  }

  disabledReason(): string | null {
    return this.enabled() ? null : 'disabled in the configuration (sources.ripestat.enabled = false)';
  }

  signals(entity: string): string[] {
    return parseEntity(entity).type === 'country' ? RIPESTAT_METRICS.map((m) => `ripestat.${m}`) : [];
  }

  private client(): HttpClient {
    this.http ??= ripestatHttp(this.config, this.cfg, this.deps.log, this.deps.http);
    return this.http;
  }

  groups(): SignalGroup[] {
    const days = this.cfg.windowDays ?? DEFAULT_WINDOW_DAYS[this.cfg.resolution];
    const step = RESOLUTION_STEP[this.cfg.resolution];
    return [
      {
        key: 'country-resource-stats',
        signals: RIPESTAT_METRICS.map((m) => `ripestat.${m}`),
        maxWindow: days * DAY,
        align: Math.min(step, DAY),
      },
    ];
  }

  windowCount(_entity: string, from: number, until: number): number {
    return countWindows(this.groups(), from, until);
  }

  async fetchWindow(task: WindowTask): Promise<WindowData> {
    const cc = parseEntity(task.entity).code;
    const r = await fetchCountryResourceStats(this.client(), {
      cc,
      from: task.from,
      until: task.until,
      resolution: this.cfg.resolution,
      sourceapp: this.cfg.sourceapp,
      signal: task.abort,
    });
    const data = r.data.data;
    if (data.resolution !== this.cfg.resolution) {
      // a coarser answer would put e.g. daily means into an hourly series: refuse the window instead
      throw new FetchError(
        'api-error',
        r.response.url,
        `${r.response.url}: RIPEstat answered at resolution ${data.resolution}, not ${this.cfg.resolution}; lower collection.ripestat.windowDays`,
      );
    }
    checkAnswered(data, { cc, from: task.from, until: task.until, step: RESOLUTION_STEP[this.cfg.resolution], url: r.response.url });
    const series = statsToSeries(data, { from: task.from, until: task.until });
    return {
      series,
      raw: [{ source: 'ripestat', url: r.response.url, fetchedAt: r.response.fetchedAt, status: r.response.status, body: r.response.body }],
      urls: [r.response.url],
    };
  }

  async collect(args: CollectArgs): Promise<CollectResult> {
    if (parseEntity(args.entity).type !== 'country') {
      args.log.debug({ entity: args.entity }, 'RIPEstat country-resource-stats is per country; nothing to collect');
      return emptyCollectResult();
    }
    return runCollection({
      ...args,
      from: Math.max(args.from, RIPESTAT_EARLIEST),
      collector: this.name,
      groups: this.groups(),
      settleSeconds: RIPESTAT_SETTLE_SECONDS,
      ...(this.deps.now ? { now: this.deps.now } : {}),
      fetchWindow: (task) => this.fetchWindow(task),
    });
  }

  /** `outagewatch ingest ripestat FILE...`: saved country-resource-stats bodies (the body says country, range and resolution). */
  async ingest(args: IngestArgs): Promise<IngestResult> {
    return ingestFiles(args, async (file, store) => {
      const saved = readSavedResponse(file);
      const doc = savedJson(saved);
      const resp = validateCountryResourceStats(doc, file);
      const data = resp.data;
      const cc = data.resource.toUpperCase();
      if (!/^[A-Z]{2}$/.test(cc)) throw new Error(`${file}: data.resource "${data.resource}" is not a country code`);
      const step = RESOLUTION_STEP[data.resolution];
      const starts = data.stats.flatMap((s) => s.timeline.map((t) => ripeTimeToTs(t.starttime)));
      const ends = data.stats.flatMap((s) => s.timeline.map((t) => ripeTimeToTs(t.endtime ?? t.starttime)));
      const from = data.query_starttime
        ? Math.floor(ripeTimeToTs(data.query_starttime) / step) * step
        : starts.reduce((m, x) => Math.min(m, x), Infinity);
      const until = data.query_endtime
        ? Math.floor(ripeTimeToTs(data.query_endtime) / step) * step + step
        : ends.reduce((m, x) => Math.max(m, x), -Infinity) + step;
      if (!Number.isFinite(from) || !Number.isFinite(until) || !(until > from))
        throw new Error(`${file}: cannot tell the time range (no query_starttime/query_endtime and no stats)`);
      const series = statsToSeries(data, { from, until }).map((s) => ({
        ...s,
        signal: {
          ...s.signal,
          synthetic: args.synthetic ?? false,
          ...(args.synthetic ? { provenance: { ...s.signal.provenance, ...SYNTHETIC_PROVENANCE('RIPEstat') } } : {}),
        },
      }));
      return await store.writeWindow({
        collector: this.name,
        entity: `country:${cc}`,
        from,
        until,
        series,
        raw: [{ source: 'ripestat', url: saved.url ?? `file:${file}`, fetchedAt: saved.fetchedAt, status: saved.status, body: saved.body }],
      });
    });
  }
}

export function createRipestatCollector(config: Config, deps: RipestatDeps): RipestatCollector {
  return new RipestatCollector(config, deps);
}
