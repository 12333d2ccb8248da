import type { PointTuple, RawResponseInput, SignalSpec, SourceEventInput } from '../../db/store.js';
import { parseEntity } from '../../db/entities.js';
import type { PointStore } from '../../db/repository.js';
import type { Config } from '../../core/config.js';
import {
  countWindows,
  errorMessage,
  pointStoreOf,
  runCollection,
  type HttpClient,
  type SignalGroup,
  type WindowData,
  type WindowTask,
  sourceConfig,
} from '../framework/index.js';
import { readSavedResponse, savedJson } from '../framework/saved.js';
import type { CollectArgs, CollectResult, Collector, IngestArgs, IngestResult, CollectorDeps } from '../types.js';
import { emptyCollectResult } from '../types.js';
import { checkAggregationAnswer, fetchAggregation, fetchEvidenceMeasurements, ooniHttp, validateOoni } from './client.js';
import { LEGACY_WEB_TESTS, ooniConfig, type OoniConfig } from './config.js';
import {
  aggregateRows,
  aggregationQueryFromUrl,
  dayString,
  dayTs,
  domainVariants,
  evidenceCandidates,
  evidenceEvent,
  GRAIN_STEP,
  OONI_METRICS,
  pickEvidence,
  signalName,
  toSeries,
  type AggregationQuery,
  type TargetSeries,
} from './map.js';
import { aggregationSchemaFor } from './schema.js';

const DAY = 86400;
/** OONI measurements keep arriving for a day or two after they were taken. */
export const OONI_SETTLE_SECONDS = 2 * DAY;

type Series = Array<{ signal: SignalSpec; points: PointTuple[] }>;

export type OoniDeps = CollectorDeps;

function raw(r: { url: string; fetchedAt: number; status: number; body: string }): RawResponseInput {
  return { source: 'ooni', url: r.url, fetchedAt: r.fetchedAt, status: r.status, body: r.body };
}

export class OoniCollector implements Collector {
  readonly name = 'ooni';
  /** 2012-01-01: OONI's measurements start in 2012 (docs/collectors.md). */
  readonly firstData = 1325376000;
  readonly cfg: OoniConfig;
  private http: HttpClient | null = null;

  constructor(
    private readonly config: Config,
    private readonly deps: OoniDeps,
  ) {
    this.cfg = ooniConfig(config);
  }

  describe(): string {
    return `OONI measurement aggregation (${sourceConfig(this.config, 'ooni').url}): per ${this.cfg.grain} and target (${this.cfg.webTargets.length} web targets, ${this.cfg.appTests.length} app tests), per country${this.cfg.perNetwork ? ' and per network' : ''}`;
  }

  enabled(): boolean {
    return sourceConfig(this.config, 'ooni').enabled;
  }

  disabledReason(): string | null {
    return this.enabled() ? null : 'disabled in the configuration (sources.ooni.enabled = false)';
  }

  targets(): { web: string[]; apps: string[] } {
    return { web: [...this.cfg.webTargets], apps: [...this.cfg.appTests] };
  }

  signals(entity: string): string[] {
    const e = parseEntity(entity);
    if (e.type !== 'country' && e.type !== 'asn') return [];
    const { web, apps } = this.targets();
    return [...web, ...apps].flatMap((t) => OONI_METRICS.map((m) => signalName(m, t)));
  }

  private client(): HttpClient {
    this.http ??= ooniHttp(this.config, this.cfg, this.deps.log, this.deps.http);
    return this.http;
  }

  groups(entity: string): SignalGroup[] {
    const { web, apps } = this.targets();
    const maxDays = this.grainFor(entity) === 'hour' ? 7 : this.cfg.windowDays;
    const g = (key: string, targets: string[]): SignalGroup => ({
      key,
      signals: targets.flatMap((t) => OONI_METRICS.map((m) => signalName(m, t))),
      maxWindow: maxDays * DAY,
      align: DAY,
    });
    return [g('web', web), ...(apps.length ? [g('apps', apps)] : [])];
  }

  windowCount(entity: string, from: number, until: number): number {
    return countWindows(this.groups(entity), from, until);
  }

  /** Hourly buckets only for countries (per-network rows stay daily). */
  private grainFor(entity: string): 'day' | 'hour' {
    return parseEntity(entity).type === 'country' ? this.cfg.grain : 'day';
  }

  webTests(from: number): string[] {
    const legacy = from < dayTs(this.cfg.legacyWebTestsUntil) ? [...LEGACY_WEB_TESTS] : [];
    return [...new Set([...this.cfg.webTests, ...legacy])];
  }

  /** The aggregation query for one window of one group. */
  query(entity: string, group: 'web' | 'apps', from: number, until: number, axis: 'target' | 'probe_asn'): AggregationQuery {
    const e = parseEntity(entity);
    const since = dayString(from);
    const untilDay = dayString(until);
    const place = e.type === 'country' ? { probe_cc: e.code } : { probe_asn: e.code };
    const grain = axis === 'probe_asn' ? 'day' : this.grainFor(entity);
    if (group === 'web') {
      return {
        ...place,
        test_name: this.webTests(from),
        domain: this.cfg.webTargets.flatMap(domainVariants),
        since,
        until: untilDay,
        axis_y: axis === 'probe_asn' ? 'probe_asn' : 'domain',
        time_grain: grain,
      };
    }
    return {
      ...place,
      test_name: [...this.cfg.appTests],
      since,
      until: untilDay,
      axis_y: axis === 'probe_asn' ? 'probe_asn' : 'test_name',
      time_grain: grain,
    };
  }

  async fetchWindow(task: WindowTask, store: PointStore, settleBefore: number): Promise<WindowData> {
    const http = this.client();
    const e = parseEntity(task.entity);
    const cc = e.type === 'country' ? e.code : undefined;
    const group = task.group.key === 'apps' ? 'apps' : 'web';
    const q = this.query(task.entity, group, task.from, task.until, 'target');
    const main = await fetchAggregation(http, q, task.abort);
    const series = aggregateRows(q, main.data);
    const rawResponses: RawResponseInput[] = [raw(main.response)];
    const step = GRAIN_STEP[q.time_grain];

    // per network: one request per target, axis_y=probe_asn (the API has two axes: day and network)
    const perNetwork: Array<{ entity: string; series: Series; raw: RawResponseInput }> = [];
    if (cc && this.cfg.perNetwork) {
      const targets = group === 'web' ? this.cfg.webTargets : this.cfg.appTests;
      for (const t of targets) {
        const base = this.query(task.entity, group, task.from, task.until, 'probe_asn');
        const tq: AggregationQuery = group === 'web' ? { ...base, domain: domainVariants(t) } : { ...base, test_name: [t] };
        const r = await fetchAggregation(http, tq, task.abort);
        const byEntity = toSeries(aggregateRows(tq, r.data), { cc, minMeasurements: this.cfg.minMeasurements, step: DAY });
        for (const [entity, s] of byEntity) perNetwork.push({ entity, series: s, raw: raw(r.response) });
      }
    }

    const events = cc ? await this.evidence(http, series, cc, step, task.abort) : [];

    // networks first, each its own window (own transaction and checkpoint); the country window last
    const coverage = task.until > settleBefore ? [] : undefined;
    const byAsn = new Map<string, Series>();
    for (const p of perNetwork) byAsn.set(p.entity, [...(byAsn.get(p.entity) ?? []), ...p.series]);
    for (const [entity, s] of byAsn) {
      await store.writeWindow({
        collector: this.name,
        entity,
        from: task.from,
        until: task.until,
        series: s,
        ...(coverage ? { coverage } : {}),
      });
    }
    const countrySeries = toSeries(series, { cc, minMeasurements: this.cfg.minMeasurements, step }).get(task.entity) ?? [];
    const rawAll = [...rawResponses, ...[...new Map(perNetwork.map((p) => [p.raw.url, p.raw])).values()]];
    return { series: countrySeries, sourceEvents: events, raw: rawAll, urls: rawAll.map((r) => r.url) };
  }

  private async evidence(
    http: HttpClient,
    series: TargetSeries[],
    cc: string,
    step: number,
    signal?: AbortSignal,
  ): Promise<SourceEventInput[]> {
    const ev = this.cfg.evidence;
    if (!ev.enabled || ev.maxPerWindow === 0) return [];
    const candidates = evidenceCandidates(series, { minMeasurements: this.cfg.minMeasurements, minRate: ev.minRate, step }).slice(
      0,
      ev.maxPerWindow,
    );
    const out: SourceEventInput[] = [];
    for (const c of candidates) {
      const { measurements } = await fetchEvidenceMeasurements(
        http,
        {
          cc,
          domain: c.domain,
          ...(c.domain ? {} : { testName: c.target }),
          ts: c.ts,
          step: c.step,
          confirmedOnly: c.counts.confirmed_count > 0,
        },
        { pageSize: ev.pageSize, maxPages: ev.maxPages, want: ev.maxIds, signal, pick: (ms) => pickEvidence(ms, ev.maxIds) },
      );
      out.push(evidenceEvent(c, cc, pickEvidence(measurements, ev.maxIds)));
    }
    return out;
  }

  async collect(args: CollectArgs): Promise<CollectResult> {
    const e = parseEntity(args.entity);
    if (e.type !== 'country' && e.type !== 'asn') {
      args.log.debug({ entity: args.entity }, 'OONI has data per country and network only; nothing to collect');
      return emptyCollectResult();
    }
    const now = this.deps.now ?? (() => Math.floor(Date.now() / 1000));
    const settleBefore = now() - OONI_SETTLE_SECONDS;
    const store = pointStoreOf(args.store);
    return runCollection({
      ...args,
      store,
      collector: this.name,
      groups: this.groups(args.entity),
      settleSeconds: OONI_SETTLE_SECONDS,
      now,
      fetchWindow: (task) => this.fetchWindow(task, store, settleBefore),
    });
  }

  /**
   * `outagewatch ingest ooni FILE...`: recorded aggregation responses (`{"url": ".../api/v1/aggregation?...", "body": ...}`),
   * read back through the same validation and mapping as `collect`. Each file is one window per entity.
   */
  async ingest(args: IngestArgs): Promise<IngestResult> {
    const result: IngestResult = { files: args.files.length, filesOk: 0, points: 0, events: 0, failures: [] };
    const store = pointStoreOf(args.store);
    for (const file of args.files) {
      try {
        const saved = readSavedResponse(file);
        if (!saved.url)
          throw new Error(`${file}: an OONI response must be saved with its request: {"url": ".../api/v1/aggregation?...", "body": ...}`);
        const q = aggregationQueryFromUrl(saved.url);
        const doc = savedJson(saved);
        const data = validateOoni(doc, aggregationSchemaFor(doc), file);
        checkAggregationAnswer(q, data, file);
        const from = dayTs(q.since);
        const until = dayTs(q.until);
        if (!(until > from)) throw new Error(`${file}: until ${q.until} is not after since ${q.since}`);
        const step = GRAIN_STEP[q.time_grain];
        const series = aggregateRows(q, data);
        const byEntity = toSeries(series, { cc: q.probe_cc, minMeasurements: this.cfg.minMeasurements, step, synthetic: args.synthetic });
        const country = q.probe_cc ? `country:${q.probe_cc}` : `asn:${q.probe_asn ?? ''}`;
        const events =
          this.cfg.evidence.enabled && q.axis_y !== 'probe_asn'
            ? evidenceCandidates(series, { minMeasurements: this.cfg.minMeasurements, minRate: this.cfg.evidence.minRate, step }).map((c) =>
                evidenceEvent(c, q.probe_cc, [], { synthetic: args.synthetic }),
              )
            : [];
        // everything is parsed, validated and mapped before the first write; each entity is one window (transaction)
        const write = async () => {
          let points = 0;
          let nEvents = 0;
          const entities = [...byEntity.keys()].sort((a, b) => (a === country ? 1 : b === country ? -1 : a.localeCompare(b)));
          for (const entity of entities) {
            const r = await store.writeWindow({
              collector: this.name,
              entity,
              from,
              until,
              series: byEntity.get(entity)!,
              sourceEvents: events.filter((ev) => ev.entity === entity),
              raw:
                entity === entities[entities.length - 1]
                  ? [{ source: 'ooni', url: saved.url!, fetchedAt: saved.fetchedAt, status: saved.status, body: saved.body }]
                  : [],
            });
            points += r.points;
            nEvents += r.events;
          }
          return { points, events: nEvents };
        };
        const r = await write();
        result.points += r.points;
        result.events += r.events;
        result.filesOk++;
        args.log.info({ file, points: r.points, events: r.events }, 'ingested');
      } catch (err) {
        result.failures.push({ file, error: errorMessage(err) });
        args.log.warn({ file, err }, 'file not ingested');
      }
    }
    return result;
  }
}

export function createOoniCollector(config: Config, deps: OoniDeps): OoniCollector {
  return new OoniCollector(config, deps);
}
