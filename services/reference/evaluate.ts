/**
 * Detections measured against a reference list by the rule of the SIGCOMM 2023 "Destination Unreachable"
 * study: a detection matches a reference outage of the same country when it starts between one day before the
 * reference start and the later of two days after the reference start or one day after its end.
 * Pure functions.
 */
const DAY = 86400;

export interface RefItem {
  id: number | string;
  country: string;
  start: number;
  /** null: open-ended; it is then taken to last `openEndedSeconds` */
  end: number | null;
  kind: string | null;
  /** national | regional | local | asn | unknown (absent: unknown) */
  scope?: string;
}

export interface DetItem {
  id: number | string;
  country: string;
  start: number;
  /** connectivity | service-blocking | both | degradation, or a list's kind; absent/null: connectivity */
  kind?: string | null;
  /** the detection's own scope: a country-level outage is national, a region's regional, an AS's asn */
  scope?: string;
}

/** The order breakdowns by scope are listed in. */
export const SCOPE_ORDER = ['national', 'regional', 'local', 'asn', 'unknown'] as const;

/**
 * Kind families for comparing lists with detections: a list's `throttling` and the detector's `degradation` are one
 * family (`throttling`); `both` belongs to `connectivity` and `service-blocking`; no kind (IODA's list, most source
 * events) is `connectivity`. A source's own words are read loosely (`blocking`, `censorship`, `throttled`).
 */
export const KIND_FAMILIES = ['connectivity', 'service-blocking', 'throttling'] as const;
export type KindFamily = (typeof KIND_FAMILIES)[number];

export function kindFamilies(kind: string | null | undefined): KindFamily[] {
  const k = (kind ?? '').toLowerCase();
  if (k === 'both') return ['connectivity', 'service-blocking'];
  if (/throttl|degrad|slow/.test(k)) return ['throttling'];
  if (/servic|block|censor/.test(k)) return ['service-blocking'];
  return ['connectivity'];
}

/** The interval of detection starts that match a reference outage, inclusive. */
export function matchInterval(ref: RefItem, openEndedSeconds = DAY): [number, number] {
  const end = ref.end ?? ref.start + openEndedSeconds;
  return [ref.start - DAY, Math.max(ref.start + 2 * DAY, end + DAY)];
}

export function matches(ref: RefItem, det: DetItem, openEndedSeconds = DAY): boolean {
  if (ref.country !== det.country) return false;
  const [lo, hi] = matchInterval(ref, openEndedSeconds);
  return det.start >= lo && det.start <= hi;
}

export interface Scores {
  references: number;
  detections: number;
  /** references with at least one matching detection */
  matchedReferences: number;
  /** detections matching at least one reference */
  matchedDetections: number;
  /** matchedDetections / detections */
  precision: number | null;
  /** matchedReferences / references */
  recall: number | null;
}

export interface Evaluation {
  overall: Scores;
  byCountry: Array<Scores & { country: string }>;
  /** references by their scope, detections by theirs (same matching as overall) */
  byScope: Array<Scores & { scope: string }>;
  /**
   * per kind family, matching only within the family: a reference counts as found by a detection of its family,
   * a detection as correct when it matches a reference of its family (so these can add up to less than overall)
   */
  byKind: Array<Scores & { kind: KindFamily }>;
  /** references and detections by the UTC year they start in (same matching as overall) */
  byYear: Array<Scores & { year: number }>;
  /** ids of matched references and detections */
  matchedReferenceIds: Array<number | string>;
  matchedDetectionIds: Array<number | string>;
}

function scores(refs: number, dets: number, mr: number, md: number): Scores {
  return {
    references: refs,
    detections: dets,
    matchedReferences: mr,
    matchedDetections: md,
    precision: dets ? md / dets : null,
    recall: refs ? mr / refs : null,
  };
}

/** Which references some detection matches and which detections match some reference (same country, the rule). */
function matchSets(
  refs: readonly RefItem[],
  dets: readonly DetItem[],
  openEndedSeconds: number,
): { matchedR: Set<RefItem>; matchedD: Set<DetItem> } {
  const byC = new Map<string, DetItem[]>();
  for (const d of dets) {
    let l = byC.get(d.country);
    if (!l) byC.set(d.country, (l = []));
    l.push(d);
  }
  for (const l of byC.values()) l.sort((a, b) => a.start - b.start);
  const matchedR = new Set<RefItem>();
  const matchedD = new Set<DetItem>();
  for (const r of refs) {
    const ds = byC.get(r.country);
    if (!ds) continue;
    const [lo, hi] = matchInterval(r, openEndedSeconds);
    // binary search the first detection starting at or after lo
    let a = 0;
    let b = ds.length;
    while (a < b) {
      const m = (a + b) >> 1;
      if (ds[m]!.start < lo) a = m + 1;
      else b = m;
    }
    for (let i = a; i < ds.length && ds[i]!.start <= hi; i++) {
      matchedR.add(r);
      matchedD.add(ds[i]!);
    }
  }
  return { matchedR, matchedD };
}

function groupScores<K extends string | number>(
  refs: readonly RefItem[],
  dets: readonly DetItem[],
  mr: Set<RefItem>,
  md: Set<DetItem>,
  refKey: (r: RefItem) => K,
  detKey: (d: DetItem) => K,
): Map<K, Scores> {
  const acc = new Map<K, [number, number, number, number]>();
  const slot = (k: K) => {
    let s = acc.get(k);
    if (!s) acc.set(k, (s = [0, 0, 0, 0]));
    return s;
  };
  for (const r of refs) {
    const s = slot(refKey(r));
    s[0]++;
    if (mr.has(r)) s[2]++;
  }
  for (const d of dets) {
    const s = slot(detKey(d));
    s[1]++;
    if (md.has(d)) s[3]++;
  }
  return new Map([...acc].map(([k, [r, d, a, b]]) => [k, scores(r, d, a, b)]));
}

const yearOf = (ts: number) => new Date(ts * 1000).getUTCFullYear();
const scopeOf = (s: string | undefined) => ((SCOPE_ORDER as readonly string[]).includes(s ?? '') ? s! : 'unknown');

export function evaluateDetections(refs: readonly RefItem[], dets: readonly DetItem[], openEndedSeconds = DAY): Evaluation {
  const { matchedR, matchedD } = matchSets(refs, dets, openEndedSeconds);
  const byC = groupScores(
    refs,
    dets,
    matchedR,
    matchedD,
    (r) => r.country,
    (d) => d.country,
  );
  const byCountry = [...byC.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([country, sc]) => ({ country, ...sc }));
  const byS = groupScores(
    refs,
    dets,
    matchedR,
    matchedD,
    (r) => scopeOf(r.scope),
    (d) => scopeOf(d.scope),
  );
  const byScope = SCOPE_ORDER.filter((k) => byS.has(k)).map((scope) => ({ scope, ...byS.get(scope)! }));
  const byY = groupScores(
    refs,
    dets,
    matchedR,
    matchedD,
    (r) => yearOf(r.start),
    (d) => yearOf(d.start),
  );
  const byYear = [...byY.entries()].sort((a, b) => a[0] - b[0]).map(([year, sc]) => ({ year, ...sc }));
  const byKind: Evaluation['byKind'] = [];
  for (const fam of KIND_FAMILIES) {
    const fr = refs.filter((r) => kindFamilies(r.kind).includes(fam));
    const fd = dets.filter((d) => kindFamilies(d.kind).includes(fam));
    if (!fr.length && !fd.length) continue;
    const m = matchSets(fr, fd, openEndedSeconds);
    byKind.push({ kind: fam, ...scores(fr.length, fd.length, m.matchedR.size, m.matchedD.size) });
  }
  return {
    overall: scores(refs.length, dets.length, matchedR.size, matchedD.size),
    byCountry,
    byScope,
    byKind,
    byYear,
    matchedReferenceIds: [...matchedR].map((r) => r.id),
    matchedDetectionIds: [...matchedD].map((d) => d.id),
  };
}
