import { parseEntity } from '../../db/entities.js';
import type { SourceEventInput } from '../../db/store.js';
import type { Config } from '../../core/config.js';
import {
  countWindows,
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
import { fetchOutageAnnotations, radarHttp, validateRadarOutages } from './client.js';
import { radarConfig, type RadarConfig } from './config.js';
import { annotationEvent } from './map.js';

const DAY = 86400;
/** Radar's outage center adds and edits annotations for days after an outage. */
export const RADAR_SETTLE_SECONDS = 7 * DAY;
/** Checkpoint name of the annotation stream (it has no points). */
export const RADAR_STREAM = 'radar.annotations';

export type RadarDeps = CollectorDeps;

export class RadarCollector implements Collector {
  readonly name = 'radar';
  /** 2020-09-01: Cloudflare Radar launched in September 2020; no annotation predates it (docs/collectors.md). */
  readonly firstData = 1598918400;
  readonly cfg: RadarConfig;
  private http: HttpClient | null = null;

  constructor(
    private readonly config: Config,
    private readonly deps: RadarDeps,
  ) {
    this.cfg = radarConfig(config);
  }

  describe(): string {
    return `Cloudflare Radar outage annotations (${sourceConfig(this.config, 'radar').url}/annotations/outages) per country and network, as source events`;
  }

  private token(): string | null {
    return sourceConfig(this.config, 'radar').token ?? null;
  }

  enabled(): boolean {
    return sourceConfig(this.config, 'radar').enabled && this.token() !== null;
  }

  disabledReason(): string | null {
    if (!sourceConfig(this.config, 'radar').enabled) return 'disabled in the configuration (sources.radar.enabled = false)';
    if (!this.token())
      return 'no API token: set OUTAGEWATCH_RADAR_TOKEN (or sources.radar.token) to a Cloudflare token with Account › Radar › Read';
    return null;
  }

  /** Radar annotations are source events, not time series. */
  signals(_entity: string): string[] {
    return [];
  }

  private client(): HttpClient {
    const token = this.token();
    if (!token) throw new Error(this.disabledReason() ?? 'Cloudflare Radar is disabled');
    this.http ??= radarHttp(this.config, this.cfg, token, this.deps.log, this.deps.http);
    return this.http;
  }

  groups(): SignalGroup[] {
    return [{ key: 'outages', signals: [RADAR_STREAM], maxWindow: this.cfg.windowDays * DAY, align: DAY }];
  }

  windowCount(_entity: string, from: number, until: number): number {
    return countWindows(this.groups(), from, until);
  }

  async fetchWindow(task: WindowTask): Promise<WindowData> {
    const e = parseEntity(task.entity);
    const where = e.type === 'country' ? { location: e.code } : { asn: e.code };
    const r = await fetchOutageAnnotations(this.client(), {
      ...where,
      from: task.from,
      until: task.until,
      pageSize: this.cfg.pageSize,
      signal: task.abort,
    });
    return {
      series: [],
      sourceEvents: r.annotations.map((a) => annotationEvent(a, task.entity)),
      raw: r.responses.map((x) => ({ source: 'radar', url: x.url, fetchedAt: x.fetchedAt, status: x.status, body: x.body })),
      coverage: [{ signal: RADAR_STREAM, status: 'ok' }],
      urls: r.responses.map((x) => x.url),
    };
  }

  async collect(args: CollectArgs): Promise<CollectResult> {
    const empty = emptyCollectResult();
    if (!this.enabled()) {
      // the daemon and the health page report disabledReason(); a run is not an error
      args.log.debug({ reason: this.disabledReason() }, 'Cloudflare Radar collector disabled');
      return empty;
    }
    const type = parseEntity(args.entity).type;
    if (type !== 'country' && type !== 'asn') return empty;
    return runCollection({
      ...args,
      collector: this.name,
      groups: this.groups(),
      settleSeconds: RADAR_SETTLE_SECONDS,
      ...(this.deps.now ? { now: this.deps.now } : {}),
      fetchWindow: (task) => this.fetchWindow(task),
    });
  }

  /**
   * `outagewatch ingest radar FILE...`: saved `annotations/outages` bodies (or recordings with their URL). Each
   * annotation becomes a source event for every location and ASN it names. No token is needed.
   */
  async ingest(args: IngestArgs): Promise<IngestResult> {
    return ingestFiles(args, async (file, store) => {
      const saved = readSavedResponse(file);
      const doc = savedJson(saved);
      const resp = validateRadarOutages(doc, file);
      const byEntity = new Map<string, SourceEventInput[]>();
      for (const a of resp.result.annotations) {
        const entities = [...a.locations.map((l) => `country:${l}`), ...a.asns.map((n) => `asn:${n}`)];
        for (const entity of entities) {
          const ev = annotationEvent(a, parseEntityString(entity));
          byEntity.set(ev.entity!, [...(byEntity.get(ev.entity!) ?? []), ev]);
        }
      }
      let points = 0;
      let events = 0;
      for (const [entity, evs] of byEntity) {
        const from = evs.reduce((m, e) => Math.min(m, e.start), Infinity);
        const until = evs.reduce((m, e) => Math.max(m, (e.end ?? e.start) + 1), -Infinity);
        const r = await store.writeWindow({ collector: this.name, entity, from, until, series: [], sourceEvents: evs, coverage: [] });
        points += r.points;
        events += r.events;
      }
      return { points, events };
    });
  }
}

function parseEntityString(s: string): string {
  const e = parseEntity(s);
  return `${e.type}:${e.code}`;
}

export function createRadarCollector(config: Config, deps: RadarDeps): RadarCollector {
  return new RadarCollector(config, deps);
}
