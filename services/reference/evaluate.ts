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
}

export interface DetItem {
  id: number | string;
  country: string;
  start: number;
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
  /** ids of matched references and detections */
  matchedReferenceIds: Array<number | string>;
  matchedDetectionIds: Array<number | string>;
}

function scores(refs: number, dets: number, mr: number, md: number): Scores {
  return { references: refs, detections: dets, matchedReferences: mr, matchedDetections: md, precision: dets ? md / dets : null, recall: refs ? mr / refs : null };
}

export function evaluateDetections(refs: readonly RefItem[], dets: readonly DetItem[], openEndedSeconds = DAY): Evaluation {
  const byC = new Map<string, { refs: RefItem[]; dets: DetItem[] }>();
  const slot = (c: string) => {
    let s = byC.get(c);
    if (!s) byC.set(c, (s = { refs: [], dets: [] }));
    return s;
  };
  for (const r of refs) slot(r.country).refs.push(r);
  for (const d of dets) slot(d.country).dets.push(d);
  const matchedR = new Set<RefItem>();
  const matchedD = new Set<DetItem>();
  const byCountry: Evaluation['byCountry'] = [];
  for (const [country, s] of [...byC.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
    const ds = [...s.dets].sort((a, b) => a.start - b.start);
    let mr = 0;
    const md = new Set<DetItem>();
    for (const r of s.refs) {
      const [lo, hi] = matchInterval(r, openEndedSeconds);
      let hit = false;
      // binary search the first detection starting at or after lo
      let a = 0;
      let b = ds.length;
      while (a < b) {
        const m = (a + b) >> 1;
        if (ds[m]!.start < lo) a = m + 1;
        else b = m;
      }
      for (let i = a; i < ds.length && ds[i]!.start <= hi; i++) {
        hit = true;
        md.add(ds[i]!);
      }
      if (hit) {
        mr++;
        matchedR.add(r);
      }
    }
    for (const d of md) matchedD.add(d);
    byCountry.push({ country, ...scores(s.refs.length, s.dets.length, mr, md.size) });
  }
  return {
    overall: scores(refs.length, dets.length, matchedR.size, matchedD.size),
    byCountry,
    matchedReferenceIds: [...matchedR].map((r) => r.id),
    matchedDetectionIds: [...matchedD].map((d) => d.id),
  };
}
