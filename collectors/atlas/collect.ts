import { z } from 'zod';
import { parseEntity } from '../../db/entities.js';
import { SYNTHETIC_PROVENANCE } from '../../db/provenance.js';
import type { PointTuple, SignalSpec } from '../../db/store.js';
import { parseSection } from '../../core/errors.js';
import type { Config } from '../../core/config.js';
import {
  countWindows,
  FetchError,
  runCollection,
  sourceConfig,
  type HttpClient,
  type SignalGroup,
  type WindowData,
  type WindowTask,
} from '../framework/index.js';
import { ingestFiles, readSavedResponse, savedJson } from '../framework/saved.js';
import type { CollectArgs, CollectResult, Collector, CollectorDeps, IngestArgs, IngestResult } from '../types.js';
import { emptyCollectResult } from '../types.js';
import { atlasHttp, atlasResource, fetchProbeDeployment, validateProbeDeployment } from './client.js';
import type { ProbeDeploymentData } from './schema.js';

export const ATLAS = 'atlas';
const DAY = 86400;
/** The probe archive is processed once a day: a day's counts are complete the next day. */
export const ATLAS_SETTLE_SECONDS = DAY;
/** Deployment history starts at the beginning of 2014 (the data call's default starttime). */
export const ATLAS_EARLIEST = Date.UTC(2014, 0, 1) / 1000;
/** Probe statuses stored as signals: `atlas.probes_connected` carries the outage signal. */
export const ATLAS_STATUSES = ['connected', 'disconnected'] as const;

/** How Atlas signals are credited (stored with every signal, shown on pages and in reports). */
export const ATLAS_PROVENANCE = {
  sourceName: 'RIPE Atlas',
  licence: 'RIPE NCC RIPE Atlas and RIPEstat terms and conditions (attribution)',
  citation: 'RIPE Atlas probe archive, via RIPEstat atlas-probe-deployment — https://atlas.ripe.net',
};

/** `collection.atlas` in the configuration. */
export const atlasConfigSchema = z
  .object({
    /** Days per request (one request returns one record per day). */
    windowDays: z.number().int().min(1).max(3650).default(365),
    requestsPerSecond: z.number().positive().max(20).default(1),
    /** `sourceapp` identifies the caller to RIPEstat. */
    sourceapp: z
      .string()
      .regex(/^[\w.-]{1,64}$/)
      .default('outagewatch'),
  })
  .strict();
export type AtlasConfig = z.infer<typeof atlasConfigSchema>;

export const atlasConfig = (config: Pick<Config, 'collection'>): AtlasConfig =>
  parseSection(atlasConfigSchema, config.collection[ATLAS], ['collection', ATLAS]);

/** `2016-05-20` or `2016-05-20T00:00:00` (UTC) → the start of that UTC day. */
export function dayStart(s: string): number {
  const t = Date.parse(`${s.slice(0, 10)}T00:00:00Z`);
  if (Number.isNaN(t)) throw new Error(`bad date ${s}`);
  return t / 1000;
}

/** Pure mapping: one point per deployment record and status, clipped to [from, until). */
export function deploymentToSeries(
  data: ProbeDeploymentData,
  resource: string,
  opts: { from: number; until: number },
): Array<{ signal: SignalSpec; points: PointTuple[] }> {
  const block = data.deployments.find((d) => d.resource.toLowerCase() === resource.toLowerCase());
  const records = block?.deployment ?? [];
  return ATLAS_STATUSES.map((status) => {
    const byDay = new Map<number, number>();
    for (const r of records) {
      const t = dayStart(r.date);
      if (t >= opts.from && t < opts.until) byDay.set(t, r.statuses[status]);
    }
    return {
      signal: {
        name: `atlas.probes_${status}`,
        step: DAY,
        unit: 'probes',
        meta: { dataCall: 'atlas-probe-deployment', resource },
        provenance: { ...ATLAS_PROVENANCE, label: `RIPE Atlas probes ${status}`, axis: 'connectivity' as const },
      },
      points: [...byDay.entries()].sort((a, b) => a[0] - b[0]),
    };
  });
}

export class AtlasCollector implements Collector {
  readonly name = ATLAS;
  readonly firstData = ATLAS_EARLIEST;
  readonly cfg: AtlasConfig;
  private http: HttpClient | null = null;

  constructor(
    private readonly config: Config,
    private readonly deps: CollectorDeps,
  ) {
    this.cfg = atlasConfig(config);
  }

  private source() {
    return sourceConfig(this.config, ATLAS);
  }

  describe(): string {
    return `RIPE Atlas probe connectivity (atlas-probe-deployment from ${this.source().url}): connected and disconnected probes per day, per country or AS`;
  }

  enabled(): boolean {
    return this.source().enabled;
  }

  disabledReason(): string | null {
    return this.enabled() ? null : 'disabled in the configuration (sources.atlas.enabled = false)';
  }

  signals(entity: string): string[] {
    return atlasResource(parseEntity(entity)) ? ATLAS_STATUSES.map((s) => `atlas.probes_${s}`) : [];
  }

  private client(): HttpClient {
    this.http ??= atlasHttp(this.source().url, this.cfg.requestsPerSecond, this.deps.log, this.deps.http);
    return this.http;
  }

  groups(): SignalGroup[] {
    return [{ key: 'atlas-probe-deployment', signals: this.signals('country:KZ'), maxWindow: this.cfg.windowDays * DAY, align: DAY }];
  }

  windowCount(entity: string, from: number, until: number): number {
    return atlasResource(parseEntity(entity)) ? countWindows(this.groups(), Math.max(from, ATLAS_EARLIEST), until) : 0;
  }

  async fetchWindow(task: WindowTask, resource: string): Promise<WindowData> {
    const r = await fetchProbeDeployment(this.client(), {
      resource,
      from: task.from,
      until: task.until,
      sourceapp: this.cfg.sourceapp,
      signal: task.abort,
    });
    const data = r.data.data;
    if (data.deployments.length > 0 && !data.deployments.some((d) => d.resource.toLowerCase() === resource)) {
      const got = data.deployments.map((d) => d.resource).join(', ');
      throw new FetchError(
        'mismatch',
        r.response.url,
        `${r.response.url}: answer does not match the request at data.deployments: answer is about "${got}", asked for ${resource}`,
        { path: 'data.deployments' },
      );
    }
    return {
      series: deploymentToSeries(data, resource, task),
      raw: [{ source: ATLAS, url: r.response.url, fetchedAt: r.response.fetchedAt, status: r.response.status, body: r.response.body }],
      urls: [r.response.url],
    };
  }

  async collect(args: CollectArgs): Promise<CollectResult> {
    const resource = atlasResource(parseEntity(args.entity));
    if (!resource) {
      args.log.debug({ entity: args.entity }, 'RIPE Atlas probe deployment is per country or AS; nothing to collect');
      return emptyCollectResult();
    }
    return runCollection({
      ...args,
      from: Math.max(args.from, ATLAS_EARLIEST),
      collector: this.name,
      groups: this.groups(),
      settleSeconds: ATLAS_SETTLE_SECONDS,
      ...(this.deps.now ? { now: this.deps.now } : {}),
      fetchWindow: (task) => this.fetchWindow(task, resource),
    });
  }

  /** `outagewatch ingest atlas FILE...`: saved atlas-probe-deployment bodies (one file may hold several resources). */
  async ingest(args: IngestArgs): Promise<IngestResult> {
    return ingestFiles(args, async (file, store) => {
      const saved = readSavedResponse(file);
      const data = validateProbeDeployment(savedJson(saved), file).data;
      // check every block before writing any, so a bad file writes nothing
      const windows = data.deployments.flatMap((block) => {
        const m = /^(cc|asn4)_(\w+)$/i.exec(block.resource);
        if (!m) throw new Error(`${file}: data.deployments resource "${block.resource}" is neither cc_<country> nor asn4_<AS>`);
        const entity = m[1]!.toLowerCase() === 'cc' ? `country:${m[2]!.toUpperCase()}` : `asn:${m[2]}`;
        if (block.deployment.length === 0) return [];
        let from = Infinity;
        let until = -Infinity;
        for (const r of block.deployment) {
          const t = dayStart(r.date);
          from = Math.min(from, t);
          until = Math.max(until, t + DAY);
        }
        const series = deploymentToSeries(data, block.resource, { from, until }).map((s) => ({
          ...s,
          signal: {
            ...s.signal,
            synthetic: args.synthetic ?? false,
            ...(args.synthetic ? { provenance: { ...s.signal.provenance, ...SYNTHETIC_PROVENANCE('RIPE Atlas') } } : {}),
          },
        }));
        return [{ entity, from, until, series }];
      });
      let points = 0;
      let events = 0;
      for (const w of windows) {
        const r = await store.writeWindow({
          collector: this.name,
          ...w,
          raw: [{ source: ATLAS, url: saved.url ?? `file:${file}`, fetchedAt: saved.fetchedAt, status: saved.status, body: saved.body }],
        });
        points += r.points;
        events += r.events;
      }
      return { points, events };
    });
  }
}
