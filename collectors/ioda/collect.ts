import type { PointTuple, SignalSpec, SourceEventInput } from '../../db/store.js';
import { formatEntity, parseEntity, type EntityRef } from '../../db/entities.js';
import { defaultAxis, defaultProvenance, KNOWN_SOURCES, SYNTHETIC_PROVENANCE } from '../../db/provenance.js';
import { FetchError, type SignalGroup, type WindowData } from '../framework/index.js';
import type { IodaEvent, IodaSeries } from './schema.js';

/** The scalar datasources outagewatch collects, with IODA's native step (`DatasourceService`). */
export const IODA_DATASOURCES = {
  bgp: {
    step: 300,
    unit: 'visible /24 blocks',
    description: 'BGP: /24 blocks visible to more than half of full-feed RouteViews/RIS peers',
  },
  'ping-slash24': { step: 600, unit: 'responsive /24 blocks', description: 'active probing: /24 blocks answering pings' },
  'merit-nt': { step: 300, unit: 'unique source IPs', description: 'Merit network telescope: unique source addresses' },
  gtr: { step: 1800, unit: 'normalised traffic', description: 'Google Transparency Report product traffic (via IODA)' },
} as const;
export type IodaDatasource = keyof typeof IODA_DATASOURCES;
export const IODA_DATASOURCE_NAMES = Object.keys(IODA_DATASOURCES) as IodaDatasource[];

/** Google products asked for with `sourceParams` (IODA's default is WEB_SEARCH only). */
export const DEFAULT_GTR_PRODUCTS = ['WEB_SEARCH', 'YOUTUBE', 'GMAIL', 'MAPS'] as const;

/** IODA refuses ranges of 100 days or more per `signals/raw` request. */
export const MAX_WINDOW = 99 * 86400;
/** Window edges on whole hours (a multiple of every native step). */
export const WINDOW_ALIGN = 3600;
/** IODA's newest values (gtr is 2-3 hours behind) are not checkpointed until they settle. */
export const SETTLE_SECONDS = 3 * 3600;
/** Checkpoint name of the outage-event stream. */
export const EVENTS_SIGNAL = '*';

/** `ioda.bgp`, `ioda.gtr:YOUTUBE` */
export function signalName(datasource: string, subtype?: string | null): string {
  if (datasource === 'gtr') return `ioda.gtr:${subtype ? subtype.toUpperCase() : 'WEB_SEARCH'}`;
  return `ioda.${datasource}`;
}

export function signalSpec(
  datasource: string,
  subtype: string | null | undefined,
  opts: { synthetic?: boolean; origin?: string } = {},
): SignalSpec {
  const ds = IODA_DATASOURCES[datasource as IodaDatasource];
  const meta: Record<string, unknown> = { datasource, description: ds?.description ?? datasource };
  if (subtype) meta.product = subtype;
  if (opts.synthetic) {
    meta.synthetic = true;
    meta.note = `SYNTHETIC: generated data in the recorded IODA response shape${opts.origin ? ` (${opts.origin})` : ''}; not a measurement`;
  }
  const name = signalName(datasource, subtype);
  const provenance = {
    ...(opts.synthetic ? SYNTHETIC_PROVENANCE('IODA') : KNOWN_SOURCES.ioda),
    label: defaultProvenance(name).label,
    axis: defaultAxis(name),
  };
  return { name, step: ds?.step ?? null, unit: ds?.unit ?? null, synthetic: opts.synthetic === true, meta, provenance };
}

/** IODA `entityType`/`entityCode` → `type:code` (null for types outagewatch does not keep, e.g. continent). */
export function entityFromIoda(type: string, code: string): string | null {
  if (!['country', 'region', 'asn', 'county'].includes(type)) return null;
  try {
    return formatEntity(parseEntity(`${type}:${code}`));
  } catch {
    return null;
  }
}

/** The signal groups (one request per window each) for an entity; gtr exists per country only. */
export function signalGroups(
  entity: EntityRef,
  products: readonly string[],
  opts: { datasources?: readonly string[]; events?: boolean } = {},
): SignalGroup[] {
  const wanted = opts.datasources ?? IODA_DATASOURCE_NAMES;
  const groups: SignalGroup[] = [];
  for (const ds of IODA_DATASOURCE_NAMES) {
    if (!wanted.includes(ds)) continue;
    if (ds === 'gtr') {
      if (entity.type !== 'country' || products.length === 0) continue;
      groups.push({ key: 'gtr', signals: products.map((p) => signalName('gtr', p)), maxWindow: MAX_WINDOW, align: WINDOW_ALIGN });
    } else {
      groups.push({ key: ds, signals: [signalName(ds)], maxWindow: MAX_WINDOW, align: WINDOW_ALIGN });
    }
  }
  if (opts.events !== false) groups.push({ key: 'events', signals: [EVENTS_SIGNAL], maxWindow: MAX_WINDOW, align: WINDOW_ALIGN });
  return groups;
}

/** values[i] is at from + i*step; null stays null. Only points inside [lo, hi) are kept when given. */
export function seriesPoints(s: IodaSeries, lo = -Infinity, hi = Infinity): PointTuple[] {
  const out: PointTuple[] = [];
  const vals = s.values;
  for (let i = 0; i < vals.length; i++) {
    const ts = s.from + i * s.step;
    if (ts < lo || ts >= hi) continue;
    out.push([ts, vals[i] ?? null]);
  }
  return out;
}

const isoOf = (ts: number) => new Date(ts * 1000).toISOString().replace('.000Z', 'Z');

/**
 * A series must answer the request: at the native step, starting at (or before) the asked `from`, and — once the
 * window has settled — reaching the asked `until` with one value per step. Anything less would be written and
 * checkpointed with holes that are never fetched again; it fails the window instead (fetched again later).
 */
function checkAnswered(s: IodaSeries, where: string, args: { url: string; from: number; until: number; settled?: boolean }): void {
  const fail = (field: string, why: string) => {
    throw new FetchError('mismatch', args.url, `${args.url}: answer does not match the request at ${where}.${field}: ${why}`, {
      path: `${where}.${field}`,
    });
  };
  if (s.step !== s.nativeStep) fail('step', `step ${s.step} s, asked for the native step ${s.nativeStep} s`);
  const askedFrom = Math.floor(args.from / s.step) * s.step;
  if (s.from > askedFrom) fail('from', `starts at ${isoOf(s.from)}, asked from ${isoOf(args.from)}`);
  if (args.settled === false) return;
  if (s.until < args.until) fail('until', `ends at ${isoOf(s.until)}, asked until ${isoOf(args.until)}`);
  const expected = Math.ceil((Math.min(s.until, args.until) - s.from) / s.step);
  if (s.values.length < expected)
    fail(
      'values',
      `${s.values.length} values for ${isoOf(s.from)}–${isoOf(Math.min(s.until, args.until))} at ${s.step} s, expected ${expected}`,
    );
}

/**
 * Maps one `signals/raw` answer for one entity and one datasource to a window's series and coverage:
 * a product/datasource with a series is 'ok' (even if all its values are null); one absent from the
 * answer (`data: [[]]`, the "no data era" answer) is 'no-data'.
 */
export function mapSignalsWindow(args: {
  url: string;
  entity: EntityRef;
  datasource: string;
  expected: string[];
  data: IodaSeries[][];
  from: number;
  until: number;
  synthetic?: boolean;
  /** The window has settled (older than SETTLE_SECONDS): the answer must then hold every value of it. Default true. */
  settled?: boolean;
}): Pick<WindowData, 'series' | 'coverage'> & { entityName: string | null } {
  const seriesList = args.data.flat();
  const series: WindowData['series'] = [];
  const seen = new Set<string>();
  let entityName: string | null = null;
  seriesList.forEach((s, i) => {
    const where = `data[0][${i}]`;
    if (s.entityType !== args.entity.type || s.entityCode.toUpperCase() !== args.entity.code.toUpperCase()) {
      throw new FetchError(
        'schema',
        args.url,
        `${args.url}: unexpected response shape at ${where}.entityCode: asked for ${args.entity.type}/${args.entity.code}, got ${s.entityType}/${s.entityCode}`,
        { path: `${where}.entityCode` },
      );
    }
    if (s.datasource !== args.datasource) {
      throw new FetchError(
        'schema',
        args.url,
        `${args.url}: unexpected response shape at ${where}.datasource: asked for ${args.datasource}, got ${s.datasource}`,
        { path: `${where}.datasource` },
      );
    }
    checkAnswered(s, where, args);
    const spec = signalSpec(s.datasource, args.datasource === 'gtr' ? s.subtype || 'WEB_SEARCH' : null, { synthetic: args.synthetic });
    if (seen.has(spec.name)) return;
    seen.add(spec.name);
    entityName ??= s.entityName ?? null;
    series.push({ signal: spec, points: seriesPoints(s, args.from, args.until) });
  });
  // an expected signal the answer lacks still gets its row (so pages can say "no data" for it), without points
  for (const name of args.expected) {
    if (seen.has(name)) continue;
    const [, product] = name.split(':');
    series.push({
      signal: signalSpec(args.datasource, args.datasource === 'gtr' ? (product ?? null) : null, { synthetic: args.synthetic }),
      points: [],
    });
  }
  const coverage = [...new Set([...args.expected, ...seen])].map((signal) => ({
    signal,
    status: seen.has(signal) ? ('ok' as const) : ('no-data' as const),
  }));
  return { series, coverage, entityName };
}

export const IODA_DASHBOARD = 'https://ioda.inetintel.cc.gatech.edu';

/** An IODA outage event as a source event, keeping the record as IODA sent it. */
export function eventToSourceEvent(e: IodaEvent, fallbackEntity: string | null): SourceEventInput {
  const [type, ...rest] = e.location.split('/');
  const entity = (type && rest.length ? entityFromIoda(type, rest.join('/')) : null) ?? fallbackEntity;
  const end = e.start + e.duration;
  const kind = e.datasource.startsWith('gtr')
    ? 'service-blocking'
    : ['bgp', 'ping-slash24', 'merit-nt', 'ucsd-nt'].includes(e.datasource)
      ? 'connectivity'
      : null;
  const dashPath = entity ? entity.replace(':', '/') : e.location;
  return {
    source: 'ioda',
    externalId: `${e.location}|${e.datasource}|${e.method}|${e.start}`,
    entity,
    start: e.start,
    end: e.duration > 0 ? end : null,
    kind,
    title: `IODA ${e.datasource} outage (${e.method})${e.location_name ? `: ${e.location_name}` : ''}`,
    description: null,
    score: e.score,
    url: `${IODA_DASHBOARD}/${dashPath}?from=${e.start}&until=${Math.max(end, e.start + 3600)}`,
    raw: e,
  };
}
