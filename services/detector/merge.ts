import type { Episode } from './drops.js';
import { evidenceFor } from './evidence.js';
import type { Outage, OutageKind, Severity } from '../../core/outage.js';

/** IODA's datasource of a signal: `source.metric` (every Google product is one datasource, `ioda.gtr`; every OONI target one, `ooni.anomaly_rate`). */
export function datasourceOf(signal: string): string {
  const i = signal.indexOf(':');
  return i < 0 ? signal : signal.slice(0, i);
}

/** Seconds of [start, end) not covered by any of `cover` (which is sorted by start). */
function uncovered(start: number, end: number, cover: Array<{ start: number; end: number }>): number {
  let free = 0;
  let cur = start;
  for (const c of cover) {
    if (c.end <= cur) continue;
    if (c.start >= end) break;
    if (c.start > cur) free += c.start - cur;
    cur = Math.max(cur, c.end);
    if (cur >= end) break;
  }
  if (cur < end) free += end - cur;
  return free;
}

/**
 * The kind of a group of overlapping episodes. Routing/probing/telescope/custom drops are
 * connectivity. OONI blocking is service blocking. A Google product drop is service blocking only
 * where connectivity held: when at least half of it lies outside the connectivity episodes;
 * otherwise the product fell because the network did.
 */
function kindOf(episodes: Episode[]): { kind: OutageKind; blocked: Episode[] } {
  const conn = episodes.filter((e) => e.class === 'connectivity').sort((a, b) => a.start - b.start);
  const service = episodes.filter((e) => e.class === 'service');
  const blocked = service.filter(
    (e) => conn.length === 0 || e.signal.startsWith('ooni.') || uncovered(e.start, e.end, conn) >= (e.end - e.start) / 2,
  );
  if (conn.length === 0) return { kind: 'service-blocking', blocked };
  return { kind: blocked.length > 0 ? 'both' : 'connectivity', blocked };
}

/**
 * Merges the episodes of ONE entity into outages, as IODA merges its per-datasource events: sorted by
 * start, an episode joins the previous group while it starts before that group ends. Each outage keeps
 * its highest severity, its signals with their depth and alert area, and IODA's overall score: the
 * product over datasources of each datasource's largest alert area.
 */
export function mergeEpisodes(entity: string, episodes: readonly Episode[], synthetic: ReadonlySet<string> = new Set()): Outage[] {
  return mergeEpisodesSince(entity, episodes, synthetic, () => -Infinity).outages;
}

/**
 * `mergeEpisodes`, keeping only the outages whose group ends at or after `since(groups)` (the groups' spans given):
 * incremental detection rewrites those and leaves the earlier ones stored as they are. Returns that bound too.
 */
export function mergeEpisodesSince(
  entity: string,
  episodes: readonly Episode[],
  synthetic: ReadonlySet<string>,
  since: (spans: ReadonlyArray<{ start: number; end: number }>) => number,
): { outages: Outage[]; since: number } {
  // degradations (weeks long) merge only with each other: a blocking inside one stays its own outage
  const degradations = groupOverlapping(episodes.filter((e) => e.class === 'degradation'));
  const drops = groupOverlapping(episodes.filter((e) => e.class !== 'degradation'));
  const span = (g: Episode[]) => ({
    start: g.reduce((m, e) => Math.min(m, e.start), Infinity),
    end: g.reduce((m, e) => Math.max(m, e.end), -Infinity),
  });
  const bound = since([...drops.map(span), ...degradations.map(span)]);
  const keep = (g: Episode[]) => span(g).end >= bound;
  const outages = [
    ...drops.filter(keep).map((g) => toOutage(entity, g, synthetic, false)),
    ...degradations.filter(keep).map((g) => toOutage(entity, g, synthetic, true)),
  ].sort((a, b) => a.start - b.start || a.end - b.end);
  return { outages, since: bound };
}

function groupOverlapping(episodes: readonly Episode[]): Episode[][] {
  const sorted = [...episodes].sort((a, b) => a.start - b.start || a.end - b.end || a.signal.localeCompare(b.signal));
  const groups: Episode[][] = [];
  let groupEnd = -Infinity;
  for (const e of sorted) {
    const last = groups.at(-1);
    if (last && e.start <= groupEnd) {
      last.push(e);
      groupEnd = Math.max(groupEnd, e.end);
    } else {
      groups.push([e]);
      groupEnd = e.end;
    }
  }
  return groups;
}

function toOutage(entity: string, g: Episode[], synthetic: ReadonlySet<string>, degradation: boolean): Outage {
  {
    const start = g.reduce((m, e) => Math.min(m, e.start), Infinity);
    const end = g.reduce((m, e) => Math.max(m, e.end), -Infinity);
    const severity: Severity = g.some((e) => e.severity === 'critical') ? 'critical' : 'warning';
    const best = new Map<string, number>();
    for (const e of g) best.set(datasourceOf(e.signal), Math.max(best.get(datasourceOf(e.signal)) ?? 0, e.score));
    let score = 1;
    for (const v of best.values()) score *= v;
    const { kind, blocked } = degradation ? { kind: 'degradation' as const, blocked: g } : kindOf(g);
    const targets = kind === 'connectivity' ? [] : [...new Set(blocked.map((e) => e.target).filter((t): t is string => t !== null))].sort();
    const open = g.some((e) => e.open && e.end === end);
    const losses = g.map((e) => e.lost).filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
    const outage: Outage = {
      entity,
      start,
      end,
      kind,
      severity,
      score,
      signals: g.map((e) => ({
        signal: e.signal,
        start: e.start,
        end: e.end,
        severity: e.severity,
        depth: e.depth,
        score: e.score,
        ...(typeof e.lost === 'number' ? { lost: e.lost } : {}),
        ...(typeof e.rate === 'number' ? { rate: e.rate, normalRate: e.normalRate ?? null } : {}),
      })),
      targets,
      evidence: evidenceFor(
        entity,
        start,
        end,
        g.map((e) => e.signal),
        targets,
      ),
      open,
      lostPercent: losses.length ? Math.round(losses.reduce((m, x) => Math.max(m, x), -Infinity) * 1000) / 10 : null,
      hours: Math.round(((end - start) / 3600) * 100) / 100,
      synthetic: g.some((e) => synthetic.has(e.signal)),
    };
    return outage;
  }
}
