import type { PointTuple, SignalSpec, SourceEventInput } from '../../db/store.js';
import { defaultProvenance, KNOWN_SOURCES, SYNTHETIC_PROVENANCE } from '../../db/provenance.js';
import type { AggregationResponse, AggregationRow, Measurement } from './schema.js';

/** Pure mapping from OONI responses to outagewatch points and source events. */

export const OONI_METRICS = ['measurement_count', 'anomaly_count', 'confirmed_count', 'failure_count', 'ok_count', 'anomaly_rate'] as const;
export type OoniMetric = (typeof OONI_METRICS)[number];

export type Grain = 'day' | 'hour';
export const GRAIN_STEP: Record<Grain, number> = { day: 86400, hour: 3600 };
export const EXPLORER_BASE = 'https://explorer.ooni.org';

/** The parameters of one `/api/v1/aggregation` request, as outagewatch issues it. */
export interface AggregationQuery {
  /** At least one of probe_cc and probe_asn. */
  probe_cc?: string;
  /** Digits only. */
  probe_asn?: string;
  test_name: string[];
  domain?: string[];
  /** YYYY-MM-DD; `until` is exclusive. */
  since: string;
  until: string;
  axis_y?: 'domain' | 'test_name' | 'probe_asn';
  time_grain: Grain;
}

export interface Counts {
  measurement_count: number;
  anomaly_count: number;
  confirmed_count: number;
  failure_count: number;
  ok_count: number;
}

export interface Bucket extends Counts {
  /** Raw domains (as OONI spells them) that had anomalies or confirmed blocks in this bucket. */
  anomalousDomains: string[];
}

export interface TargetSeries {
  entity: string;
  target: string;
  /** The OONI tests the counts come from. */
  tests: string[];
  /** Raw domains queried for this target (web targets). */
  domains: string[];
  buckets: Map<number, Bucket>;
}

/** `www.facebook.com` → `facebook.com`: OONI's `domain` is the hostname of the tested URL. */
export function canonicalTarget(domainOrTest: string): string {
  return domainOrTest
    .trim()
    .toLowerCase()
    .replace(/^www\./, '');
}

/** The raw domains queried for a web target: itself and its `www.` form. */
export function domainVariants(target: string): string[] {
  const t = canonicalTarget(target);
  return [t, `www.${t}`];
}

export function dayString(ts: number): string {
  return new Date(ts * 1000).toISOString().slice(0, 10);
}

export function dayTs(day: string): number {
  const t = Date.parse(`${day}T00:00:00Z`);
  if (Number.isNaN(t)) throw new Error(`bad date ${day}`);
  return t / 1000;
}

/** `measurement_start_day` → Unix seconds (a UTC day, or an hour with `time_grain=hour`). */
export function bucketTs(value: string): number {
  const t = Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(t)) throw new Error(`bad measurement_start_day ${value}`);
  return t / 1000;
}

export function aggregationQueryParams(q: AggregationQuery): Record<string, string> {
  const p: Record<string, string> = {};
  if (q.probe_cc) p.probe_cc = q.probe_cc;
  if (q.probe_asn) p.probe_asn = `AS${q.probe_asn}`;
  p.test_name = q.test_name.join(',');
  if (q.domain?.length) p.domain = q.domain.join(',');
  p.since = q.since;
  p.until = q.until;
  p.axis_x = 'measurement_start_day';
  if (q.axis_y) p.axis_y = q.axis_y;
  p.time_grain = q.time_grain;
  return p;
}

/** Reads the query back from a saved request URL (for `outagewatch ingest ooni`). */
export function aggregationQueryFromUrl(url: string): AggregationQuery {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`${url}: not a URL`);
  }
  if (!/\/api\/v1\/aggregation\/?$/.test(u.pathname)) throw new Error(`${url}: not an /api/v1/aggregation request`);
  const get = (k: string) => u.searchParams.get(k) ?? undefined;
  const list = (k: string) =>
    (get(k) ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const cc = get('probe_cc');
  const asn = get('probe_asn');
  if (cc !== undefined && !/^[A-Za-z]{2}$/.test(cc)) throw new Error(`${url}: probe_cc must be one country code`);
  if (asn !== undefined && !/^(AS)?\d+$/i.test(asn)) throw new Error(`${url}: probe_asn must be one AS number`);
  if (cc === undefined && asn === undefined) throw new Error(`${url}: probe_cc or probe_asn is required`);
  const since = get('since');
  const until = get('until');
  if (!since || !/^\d{4}-\d{2}-\d{2}$/.test(since) || !until || !/^\d{4}-\d{2}-\d{2}$/.test(until)) {
    throw new Error(`${url}: since and until must be dates YYYY-MM-DD`);
  }
  if (get('axis_x') !== 'measurement_start_day') throw new Error(`${url}: axis_x must be measurement_start_day`);
  const axisY = get('axis_y');
  if (axisY !== undefined && axisY !== 'domain' && axisY !== 'test_name' && axisY !== 'probe_asn') {
    throw new Error(`${url}: axis_y must be domain, test_name or probe_asn`);
  }
  const grain = get('time_grain') ?? 'day';
  if (grain !== 'day' && grain !== 'hour') throw new Error(`${url}: time_grain must be day or hour`);
  const tests = list('test_name');
  if (tests.length === 0) throw new Error(`${url}: test_name is required`);
  const domains = list('domain');
  return {
    ...(cc ? { probe_cc: cc.toUpperCase() } : {}),
    ...(asn ? { probe_asn: asn.replace(/^AS/i, '') } : {}),
    test_name: tests,
    ...(domains.length ? { domain: domains } : {}),
    since,
    until,
    ...(axisY ? { axis_y: axisY } : {}),
    time_grain: grain,
  };
}

function rowAsn(row: AggregationRow): string | undefined {
  if (row.probe_asn === undefined) return undefined;
  return String(row.probe_asn).replace(/^AS/i, '');
}

function rowTarget(row: AggregationRow, q: AggregationQuery): string {
  if (row.domain) return canonicalTarget(row.domain);
  if (q.domain?.length) return canonicalTarget(q.domain[0]!);
  if (row.test_name) return row.test_name;
  if (q.test_name.length === 1) return q.test_name[0]!;
  throw new Error('cannot tell the target of a row: the query has several tests and neither a domain nor a test_name axis');
}

function emptyBucket(): Bucket {
  return { measurement_count: 0, anomaly_count: 0, confirmed_count: 0, failure_count: 0, ok_count: 0, anomalousDomains: [] };
}

/** Targets the query asked for (zero-filled when OONI returns no row for them). */
export function queryTargets(q: AggregationQuery): string[] {
  if (q.domain?.length) return [...new Set(q.domain.map(canonicalTarget))];
  return [...new Set(q.test_name)];
}

/**
 * Where an aggregation answer does not answer the query it was sent for (`null` when it does): the axes
 * (`dimension_count`, the axis column of every row, its value among those asked), the place (`probe_cc`,
 * `probe_asn` when the row carries them), the time grain (`YYYY-MM-DD` by day, `YYYY-MM-DDTHH:MM:SSZ` by hour,
 * aligned to the step) and the range (`since` ≤ bucket < `until`). OONI leaves out buckets without
 * measurements, so a missing bucket is not a mismatch; a row that does not belong to the question is.
 */
export function aggregationMismatch(q: AggregationQuery, resp: AggregationResponse): { path: string; why: string } | null {
  const dims = q.axis_y ? 2 : 1;
  if (resp.dimension_count !== dims)
    return {
      path: 'dimension_count',
      why: `${resp.dimension_count} dimensions, asked for ${dims} (axis_x=measurement_start_day${q.axis_y ? `, axis_y=${q.axis_y}` : ''})`,
    };
  const rows = Array.isArray(resp.result) ? resp.result : [resp.result];
  const step = GRAIN_STEP[q.time_grain];
  const from = dayTs(q.since);
  const until = dayTs(q.until);
  const domains = new Set((q.domain ?? []).map((d) => d.toLowerCase()));
  const tests = new Set(q.test_name);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const at = (field: string) => `result[${i}].${field}`;
    const day = row.measurement_start_day;
    if (day === undefined) return { path: at('measurement_start_day'), why: 'missing (asked for axis_x=measurement_start_day)' };
    const hourly = day.length > 10;
    if (hourly !== (q.time_grain === 'hour'))
      return {
        path: at('measurement_start_day'),
        why: `"${day}" is ${hourly ? 'an hour' : 'a day'}, asked for time_grain=${q.time_grain}`,
      };
    const ts = bucketTs(day);
    if (ts < from || ts >= until)
      return { path: at('measurement_start_day'), why: `"${day}" is outside the asked ${q.since}–${q.until} (until exclusive)` };
    if ((ts - from) % step !== 0) return { path: at('measurement_start_day'), why: `"${day}" is not on a ${q.time_grain} boundary` };
    if (q.probe_cc && row.probe_cc !== undefined && row.probe_cc.toUpperCase() !== q.probe_cc.toUpperCase())
      return { path: at('probe_cc'), why: `row is about ${row.probe_cc}, asked for ${q.probe_cc}` };
    const asn = rowAsn(row);
    if (q.probe_asn && asn !== undefined && asn !== q.probe_asn)
      return { path: at('probe_asn'), why: `row is about AS${asn}, asked for AS${q.probe_asn}` };
    if (q.axis_y === 'domain') {
      if (row.domain === undefined) return { path: at('domain'), why: 'missing (asked for axis_y=domain)' };
      if (domains.size && !domains.has(row.domain.toLowerCase())) return { path: at('domain'), why: `"${row.domain}" was not asked for` };
    } else if (q.axis_y === 'test_name') {
      if (row.test_name === undefined) return { path: at('test_name'), why: 'missing (asked for axis_y=test_name)' };
      if (!tests.has(row.test_name)) return { path: at('test_name'), why: `"${row.test_name}" was not asked for` };
    } else if (q.axis_y === 'probe_asn') {
      if (asn === undefined) return { path: at('probe_asn'), why: 'missing (asked for axis_y=probe_asn)' };
    }
    if (row.test_name !== undefined && !tests.has(row.test_name))
      return { path: at('test_name'), why: `"${row.test_name}" was not asked for` };
    if (row.domain !== undefined && domains.size && !domains.has(row.domain.toLowerCase()))
      return { path: at('domain'), why: `"${row.domain}" was not asked for` };
  }
  return null;
}

/**
 * Groups aggregation rows by (entity, target, bucket). Buckets OONI leaves out had no measurements: they
 * are filled with zero counts for every (entity, target) the window knows about, so that the anomaly rate is
 * NULL (not missing) there. A country-level query knows all its targets; a per-network query only the
 * networks that appear in it.
 */
export function aggregateRows(q: AggregationQuery, resp: AggregationResponse): TargetSeries[] {
  const rows = Array.isArray(resp.result) ? resp.result : [resp.result];
  const country = q.probe_cc ? `country:${q.probe_cc.toUpperCase()}` : null;
  const step = GRAIN_STEP[q.time_grain];
  const from = dayTs(q.since);
  const until = dayTs(q.until);
  const byKey = new Map<string, TargetSeries>();
  const webQuery = Boolean(q.domain?.length);
  const get = (entity: string, target: string) => {
    const key = `${entity}|${target}`;
    let s = byKey.get(key);
    if (!s) {
      const domains = webQuery ? (q.domain ?? []).filter((d) => canonicalTarget(d) === target) : [];
      s = { entity, target, tests: webQuery ? [...q.test_name] : [target], domains, buckets: new Map() };
      byKey.set(key, s);
    }
    return s;
  };
  if (q.axis_y !== 'probe_asn') {
    const entity = q.probe_asn ? `asn:${q.probe_asn}` : country!;
    for (const t of queryTargets(q)) get(entity, t);
  }
  for (const row of rows) {
    if (row.measurement_start_day === undefined)
      throw new Error('aggregation row without measurement_start_day (axis_x must be measurement_start_day)');
    const ts = bucketTs(row.measurement_start_day);
    if (ts < from || ts >= until) continue;
    const asn = rowAsn(row) ?? q.probe_asn;
    const entity = asn ? `asn:${asn}` : country;
    if (!entity) throw new Error('aggregation row without probe_asn for a query without probe_cc');
    const s = get(entity, rowTarget(row, q));
    const b = s.buckets.get(ts) ?? emptyBucket();
    b.measurement_count += row.measurement_count;
    b.anomaly_count += row.anomaly_count;
    b.confirmed_count += row.confirmed_count;
    b.failure_count += row.failure_count;
    b.ok_count += row.ok_count;
    if ((row.anomaly_count > 0 || row.confirmed_count > 0) && row.domain && !b.anomalousDomains.includes(row.domain))
      b.anomalousDomains.push(row.domain);
    s.buckets.set(ts, b);
  }
  for (const s of byKey.values()) {
    for (let t = from; t < until; t += step) if (!s.buckets.has(t)) s.buckets.set(t, emptyBucket());
  }
  return [...byKey.values()].sort((a, b) => (a.entity === b.entity ? a.target.localeCompare(b.target) : a.entity.localeCompare(b.entity)));
}

/** (anomaly + confirmed) / (measurements − failures); NULL when that denominator is below `minMeasurements`. */
export function anomalyRate(c: Counts, minMeasurements: number): number | null {
  const usable = c.measurement_count - c.failure_count;
  if (usable <= 0 || usable < minMeasurements) return null;
  return (c.anomaly_count + c.confirmed_count) / usable;
}

/** An OONI Explorer search for one target, place and day (or range). */
export function explorerSearchUrl(args: {
  cc?: string;
  asn?: string;
  target: string;
  tests: string[];
  domains: string[];
  since: string;
  until: string;
}): string {
  const p = new URLSearchParams();
  p.set('since', args.since);
  p.set('until', args.until);
  if (args.cc) p.set('probe_cc', args.cc);
  if (args.asn) p.set('probe_asn', `AS${args.asn}`);
  if (args.domains.length) p.set('domain', args.domains[0]!);
  if (args.tests.length === 1) p.set('test_name', args.tests[0]!);
  return `${EXPLORER_BASE}/search?${p.toString()}`;
}

export function signalName(metric: OoniMetric, target: string): string {
  return `ooni.${metric}:${target}`;
}

/** Series of one entity, ready for `store.writeWindow`. */
export function toSeries(
  series: TargetSeries[],
  opts: { cc?: string; minMeasurements: number; step: number; synthetic?: boolean },
): Map<string, Array<{ signal: SignalSpec; points: PointTuple[] }>> {
  const out = new Map<string, Array<{ signal: SignalSpec; points: PointTuple[] }>>();
  for (const s of series) {
    const times = [...s.buckets.keys()].sort((a, b) => a - b);
    const asn = s.entity.startsWith('asn:') ? s.entity.slice(4) : undefined;
    const meta = {
      target: s.target,
      tests: s.tests,
      ...(s.domains.length ? { domains: s.domains } : {}),
      minMeasurements: opts.minMeasurements,
      // a day's Explorer search: replace {since} and {until} with YYYY-MM-DD (until exclusive)
      explorerSearch: explorerSearchUrl({
        cc: opts.cc,
        asn,
        target: s.target,
        tests: s.tests,
        domains: s.domains.length ? [canonicalTarget(s.target)] : [],
        since: '{since}',
        until: '{until}',
      })
        .replace('%7Bsince%7D', '{since}')
        .replace('%7Buntil%7D', '{until}'),
      ...(opts.synthetic ? { synthetic: true } : {}),
    };
    const list = out.get(s.entity) ?? [];
    for (const metric of OONI_METRICS) {
      const points: PointTuple[] = times.map((t) => {
        const b = s.buckets.get(t)!;
        return [t, metric === 'anomaly_rate' ? anomalyRate(b, opts.minMeasurements) : b[metric]] as const;
      });
      list.push({
        signal: {
          name: signalName(metric, s.target),
          step: opts.step,
          unit: metric === 'anomaly_rate' ? 'ratio' : 'measurements',
          synthetic: opts.synthetic ?? false,
          meta,
          provenance: {
            ...(opts.synthetic ? SYNTHETIC_PROVENANCE('OONI') : KNOWN_SOURCES.ooni),
            label: defaultProvenance(signalName(metric, s.target)).label,
            axis: 'services' as const,
            target: s.target,
          },
        },
        points,
      });
    }
    out.set(s.entity, list);
  }
  return out;
}

/** A day (or hour) and target anomalous enough to keep measurement ids as evidence. */
export interface EvidenceCandidate {
  entity: string;
  target: string;
  tests: string[];
  /** Raw domain to search (web targets), or null for app tests. */
  domain: string | null;
  ts: number;
  step: number;
  counts: Counts;
  rate: number | null;
}

export function evidenceCandidates(
  series: TargetSeries[],
  opts: { minMeasurements: number; minRate: number; step: number },
): EvidenceCandidate[] {
  const out: EvidenceCandidate[] = [];
  for (const s of series) {
    for (const [ts, b] of [...s.buckets.entries()].sort((x, y) => x[0] - y[0])) {
      const rate = anomalyRate(b, opts.minMeasurements);
      if (!(b.confirmed_count > 0 || (rate !== null && rate >= opts.minRate))) continue;
      const domain = s.domains.length ? (b.anomalousDomains[0] ?? s.domains[0] ?? null) : null;
      const { anomalousDomains: _ignored, ...counts } = b;
      out.push({ entity: s.entity, target: s.target, tests: s.tests, domain, ts, step: opts.step, counts, rate });
    }
  }
  return out;
}

/** Measurements worth citing: anomalous or confirmed and not failed; confirmed ones first. */
export function pickEvidence(measurements: Measurement[], max: number): Measurement[] {
  const seen = new Set<string>();
  const good = measurements.filter(
    (m) => (m.anomaly || m.confirmed) && !m.failure && !seen.has(m.measurement_uid) && seen.add(m.measurement_uid),
  );
  const confirmed = good.filter((m) => m.confirmed);
  const other = good.filter((m) => !m.confirmed);
  return [...confirmed, ...other].slice(0, max);
}

/**
 * The source event for an anomalous day and target: kind `confirmed-block` when OONI confirmed blocking
 * (a known blocking fingerprint matched), `anomaly-evidence` otherwise, with the Explorer search and up to
 * `max` measurement ids.
 */
export function evidenceEvent(
  c: EvidenceCandidate,
  cc: string | undefined,
  measurements: Measurement[],
  opts: { synthetic?: boolean } = {},
): SourceEventInput {
  const since = dayString(c.ts);
  const until = dayString(c.ts + Math.max(c.step, 86400));
  const asn = c.entity.startsWith('asn:') ? c.entity.slice(4) : undefined;
  const explorer = explorerSearchUrl({ cc, asn, target: c.target, tests: c.tests, domains: c.domain ? [c.domain] : [], since, until });
  const kind = c.counts.confirmed_count > 0 ? 'confirmed-block' : 'anomaly-evidence';
  const when = c.step < 86400 ? new Date(c.ts * 1000).toISOString().slice(0, 16).replace('T', ' ') + ' UTC' : since;
  const usable = c.counts.measurement_count - c.counts.failure_count;
  const bad = c.counts.anomaly_count + c.counts.confirmed_count;
  return {
    source: 'ooni',
    externalId: `${c.entity}|${c.target}|${c.ts}|${c.step}`,
    entity: c.entity,
    start: c.ts,
    end: c.ts + c.step,
    kind,
    title: `OONI: ${c.target} ${kind === 'confirmed-block' ? 'confirmed blocked' : 'anomalous'} in ${c.entity} on ${when}`,
    description: `${bad} of ${usable} usable measurements anomalous (${c.counts.confirmed_count} confirmed, ${c.counts.failure_count} failed) in ${c.tests.join(', ')}`,
    score: c.rate,
    url: explorer,
    raw: {
      target: c.target,
      tests: c.tests,
      domain: c.domain,
      counts: c.counts,
      anomalyRate: c.rate,
      explorerSearch: explorer,
      measurementIds: measurements.map((m) => m.measurement_uid),
      measurements: measurements.map((m) => ({
        measurement_uid: m.measurement_uid,
        measurement_start_time: m.measurement_start_time,
        test_name: m.test_name,
        input: m.input ?? null,
        probe_asn: m.probe_asn,
        anomaly: m.anomaly,
        confirmed: m.confirmed,
        explorer: `${EXPLORER_BASE}/m/${m.measurement_uid}`,
      })),
      ...(opts.synthetic ? { synthetic: true } : {}),
    },
  };
}
