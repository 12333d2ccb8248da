/** `evaluate`: reads the reference list, the detections and the calendar, and scores them (evaluate.ts). */
import type { ReferenceOutage } from '../../db/reference.js';
import type { Repositories } from '../../db/repositories.js';
import { sqliteRepositories } from '../../db/sqlite-repositories.js';
import { SqliteStore } from '../../db/store.js';
import { notFound } from '../../core/app-errors.js';
import { isoUtc } from '../../core/time.js';
import { evaluateDetections, type DetItem, type Evaluation, type RefItem } from './evaluate.js';

const DAY = 86400;

export interface EvaluateOptions {
  reference: string;
  country?: string;
  from?: number;
  until?: number;
  /** only reference outages of this kind (`connectivity` also takes `both`) */
  kind?: string;
  /** only reference outages of these scopes (national, regional, local, asn, unknown) */
  scope?: readonly string[];
  /** besides detected outages and source events, score another reference list as if it were detections */
  against?: string;
  openEndedSeconds?: number;
  lead?: number;
  lag?: number;
}

export interface EvaluationJson {
  reference: string;
  country: string | null;
  range: { from: string | null; until: string | null };
  kind: string | null;
  /** the scopes the reference outages were limited to (null: all) */
  scope: string[] | null;
  rule: string;
  openEndedSeconds: number;
  detected: Evaluation;
  sourceEvents: Evaluation;
  against: (Evaluation & { list: string }) | null;
  /** calendar events whose window [start − lead, end + lag] overlaps a reference outage of their country */
  disruptedEvents: Array<{
    id: string;
    title: string;
    country: string;
    start: string;
    end: string;
    tz: string;
    references: Array<{ id: number | null; start: string; end: string | null; kind: string | null; scope: string; area: string | null }>;
  }>;
}

function kindOk(kind: string | null, want: string | undefined): boolean {
  if (!want) return true;
  const k = kind ?? 'connectivity';
  return k === want || (want === 'connectivity' && k === 'both') || (want === 'service-blocking' && k === 'both');
}

const inRange = (ts: number, o: EvaluateOptions) => (o.from === undefined || ts >= o.from) && (o.until === undefined || ts < o.until);

function refItems(rows: readonly ReferenceOutage[], o: EvaluateOptions): RefItem[] {
  return rows
    .filter((r) => inRange(r.start, o) && kindOk(r.kind, o.kind) && scopeOk(r.scope, o.scope))
    .map((r) => ({ id: r.id ?? r.naturalKey, country: r.country, start: r.start, end: r.end, kind: r.kind, scope: r.scope }));
}

function scopeOk(scope: string, want: readonly string[] | undefined): boolean {
  return !want || want.length === 0 || want.includes(scope);
}

/** A detection's own scope, from the type of its entity: a country's outage is national, a region's regional… */
function entityScope(entity: string | null): string {
  const type = entity?.split(':', 1)[0];
  return type === 'country'
    ? 'national'
    : type === 'region'
      ? 'regional'
      : type === 'county'
        ? 'local'
        : type === 'asn'
          ? 'asn'
          : 'unknown';
}

/** Scores the detections against a reference list, on either backend (a SQLite store is taken as its repositories). */
export async function evaluateReference(target: Repositories | SqliteStore, o: EvaluateOptions): Promise<EvaluationJson> {
  const repos = target instanceof SqliteStore ? sqliteRepositories(target) : target;
  const open = o.openEndedSeconds ?? DAY;
  if (!(await repos.reference.getReferenceList(o.reference))) throw notFound(`reference list "${o.reference}"`);
  const country = o.country?.toUpperCase();
  const refs = refItems(await repos.reference.listReferenceOutages({ list: o.reference, country }), o);
  const countryOf = new Map<string, string>();
  for (const e of await repos.points.listEntities()) if (e.country) countryOf.set(e.entity, e.country);
  const cc = (entity: string | null) =>
    entity ? (countryOf.get(entity) ?? (entity.startsWith('country:') ? entity.slice(8) : null)) : null;
  const keep = (c: string | null): c is string => c !== null && (!country || c === country);
  const dets: DetItem[] = [];
  for (const x of await repos.outages.listOutages(country ? { country } : {})) {
    const c = cc(x.entity);
    if (keep(c) && inRange(x.start, o))
      dets.push({ id: x.id ?? `${x.entity}@${x.start}`, country: c, start: x.start, kind: x.kind, scope: entityScope(x.entity) });
  }
  const evs: DetItem[] = [];
  for (const x of await repos.points.listSourceEvents()) {
    const c = cc(x.entity);
    if (keep(c) && inRange(x.start, o)) evs.push({ id: x.id, country: c, start: x.start, kind: x.kind, scope: entityScope(x.entity) });
  }
  let against: EvaluationJson['against'] = null;
  if (o.against) {
    if (!(await repos.reference.getReferenceList(o.against))) throw notFound(`reference list "${o.against}"`);
    const other = (await repos.reference.listReferenceOutages({ list: o.against, country }))
      .filter((r) => inRange(r.start, o))
      .map((r) => ({ id: r.id ?? r.naturalKey, country: r.country, start: r.start, kind: r.kind, scope: r.scope }));
    against = { list: o.against, ...evaluateDetections(refs, other, open) };
  }
  const lead = o.lead ?? DAY;
  const lag = o.lag ?? 2 * DAY;
  const all = (await repos.reference.listReferenceOutages({ list: o.reference, country })).filter(
    (r) => kindOk(r.kind, o.kind) && scopeOk(r.scope, o.scope),
  );
  const disruptedEvents: EvaluationJson['disruptedEvents'] = [];
  for (const ev of await repos.calendar.listEvents({
    ...(country ? { country } : {}),
    ...(o.from !== undefined ? { from: o.from } : {}),
    ...(o.until !== undefined ? { until: o.until } : {}),
  })) {
    const from = ev.start - lead;
    const until = ev.end + lag;
    const hits = all.filter((r) => r.country === ev.country && r.start < until && (r.end ?? r.start + open) > from);
    if (hits.length)
      disruptedEvents.push({
        id: ev.id,
        title: ev.title,
        country: ev.country,
        start: isoUtc(ev.start),
        end: isoUtc(ev.end),
        tz: ev.tz,
        references: hits.map((r) => ({
          id: r.id ?? null,
          start: isoUtc(r.start),
          end: r.end === null ? null : isoUtc(r.end),
          kind: r.kind,
          scope: r.scope,
          area: r.area,
        })),
      });
  }
  return {
    reference: o.reference,
    country: country ?? null,
    range: { from: o.from === undefined ? null : isoUtc(o.from), until: o.until === undefined ? null : isoUtc(o.until) },
    kind: o.kind ?? null,
    scope: o.scope && o.scope.length ? [...o.scope] : null,
    rule: 'same country; detection start in [reference start − 1 day, max(reference start + 2 days, reference end + 1 day)] (SIGCOMM 2023, Bischof et al.)',
    openEndedSeconds: open,
    detected: evaluateDetections(refs, dets, open),
    sourceEvents: evaluateDetections(refs, evs, open),
    against,
    disruptedEvents,
  };
}
