import { ensureUnicodeLower, type Db } from './connection.js';

/** Reference outage lists (tables `reference_outages`, 0001 and 0065, and `reference_lists`, 0040). Times: Unix seconds UTC. */

/** How much of a country an outage covers (docs/reference.md maps every list's vocabulary onto these). */
export const SCOPES = ['national', 'regional', 'local', 'asn', 'unknown'] as const;
export type Scope = (typeof SCOPES)[number];

export interface ReferenceOutage {
  id?: number;
  list: string;
  /** stable key within the list: the same shutdown imported twice (or repeated across yearly sheets) is one row */
  naturalKey: string;
  country: string;
  start: number;
  /** exclusive; null = open-ended (Ongoing / Unknown) */
  end: number | null;
  /** connectivity | service-blocking | throttling | null */
  kind: string | null;
  /** normalized from `scopeRaw` (services/reference/scope.ts); `unknown` when the list says nothing or something else */
  scope: Scope;
  /** the list's own scope text, as written (`Level  2`, `Region (Central Equitoria)`, a STOP sentence), or null */
  scopeRaw: string | null;
  /** the list's detail of the scope: STOP's area names, IODA's region name or AS number */
  scopeDetail: string | null;
  /**
   * where in the country, when the list says: a place the country column names that is not an ISO country
   * (`Somaliland` under SO, `Jammu and Kashmir` under IN), else the list's area or region name (not an AS number)
   */
  area: string | null;
  cause: string | null;
  services: string[];
  source: string | null;
  originFile: string | null;
  originLine: number | null;
  raw: unknown;
}

export interface ReferenceListRow {
  name: string;
  format: string;
  files: Array<{ file: string; importedAt: number; imported: number; rejected: number; duplicates: number }>;
  createdAt: number;
  updatedAt: number;
  count: number;
  countries: number;
  first: number | null;
  last: number | null;
  /** the latest start: the list records shutdowns that began up to here */
  lastStart: number | null;
  kinds: Record<string, number>;
  /** outages per normalized scope */
  scopes: Record<string, number>;
}

export interface ReferenceFilter {
  list: string;
  country?: string;
  /** overlapping [from, until); an open-ended row is taken to last `openEndedSeconds` */
  from?: number;
  until?: number;
  openEndedSeconds?: number;
  /** rows of this scope (rows whose stored scope is not one of SCOPES count as `unknown`) */
  scope?: Scope;
  /** text (case-insensitive) that the cause, scope detail, raw scope, area, scope, kind or a service must contain */
  text?: string;
}

/** A `reference_outages` row (the same on both backends). */
export interface ReferenceDbRow {
  id: number;
  list: string;
  natural_key: string;
  country: string;
  start: number;
  end: number | null;
  kind: string | null;
  scope: string | null;
  scope_raw: string | null;
  scope_detail: string | null;
  area: string | null;
  cause: string | null;
  services: string;
  source: string | null;
  origin_file: string | null;
  origin_line: number | null;
  raw: string;
}

/** A reference outage from its row on either backend (an unknown stored scope reads as `unknown`). */
export function referenceFromDbRow(r: ReferenceDbRow): ReferenceOutage {
  return {
    id: r.id,
    list: r.list,
    naturalKey: r.natural_key,
    country: r.country,
    start: r.start,
    end: r.end,
    kind: r.kind,
    scope: (SCOPES as readonly string[]).includes(r.scope ?? '') ? (r.scope as Scope) : 'unknown',
    scopeRaw: r.scope_raw,
    scopeDetail: r.scope_detail,
    area: r.area,
    cause: r.cause,
    services: JSON.parse(r.services) as string[],
    source: r.source,
    originFile: r.origin_file,
    originLine: r.origin_line,
    raw: JSON.parse(r.raw) as unknown,
  };
}

type Row = ReferenceDbRow;
const fromRow = referenceFromDbRow;

/**
 * Writes rows of one list in ONE transaction. A row whose natural key is already in the list is a repeat:
 * it updates the stored row, keeping a known end over an unknown one. Returns how many were new.
 */
export function upsertReferenceOutages(
  db: Db,
  list: string,
  format: string,
  file: string | null,
  rows: readonly ReferenceOutage[],
  stats: { rejected: number },
  now = Math.floor(Date.now() / 1000),
): { inserted: number; repeated: number } {
  const get = db.prepare<[string, string], { id: number; end: number | null }>(
    'SELECT id, "end" FROM reference_outages WHERE list = ? AND natural_key = ?',
  );
  const ins = db.prepare(
    'INSERT INTO reference_outages (list, natural_key, country, start, "end", kind, scope, scope_raw, scope_detail, area, cause, services, source, origin_file, origin_line, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  // a repeat keeps what is known: an unknown scope (and its text) does not replace a known one
  const upd = db.prepare(
    "UPDATE reference_outages SET \"end\" = coalesce(?, \"end\"), kind = coalesce(?, kind), scope_raw = CASE WHEN ? = 'unknown' AND scope <> 'unknown' THEN scope_raw ELSE coalesce(?, scope_raw) END, scope = CASE WHEN ? = 'unknown' THEN scope ELSE ? END, scope_detail = coalesce(?, scope_detail), area = coalesce(?, area), cause = coalesce(?, cause), services = ? WHERE id = ?",
  );
  const listGet = db.prepare<[string], { files: string }>('SELECT files FROM reference_lists WHERE name = ?');
  const listIns = db.prepare('INSERT INTO reference_lists (name, format, files, created_at, updated_at) VALUES (?, ?, ?, ?, ?)');
  const listUpd = db.prepare('UPDATE reference_lists SET files = ?, updated_at = ? WHERE name = ?');
  return db
    .transaction(() => {
      let inserted = 0;
      let repeated = 0;
      for (const r of rows) {
        const old = get.get(list, r.naturalKey);
        if (old) {
          repeated++;
          const prev = db.prepare<[number], { services: string }>('SELECT services FROM reference_outages WHERE id = ?').get(old.id);
          const services = [...new Set([...(JSON.parse(prev?.services ?? '[]') as string[]), ...r.services])];
          upd.run(r.end, r.kind, r.scope, r.scopeRaw, r.scope, r.scope, r.scopeDetail, r.area, r.cause, JSON.stringify(services), old.id);
        } else {
          inserted++;
          ins.run(
            list,
            r.naturalKey,
            r.country,
            r.start,
            r.end,
            r.kind,
            r.scope,
            r.scopeRaw,
            r.scopeDetail,
            r.area,
            r.cause,
            JSON.stringify(r.services),
            r.source,
            r.originFile,
            r.originLine,
            JSON.stringify(r.raw ?? null),
          );
        }
      }
      const entry = { file: file ?? '', importedAt: now, imported: inserted, rejected: stats.rejected, duplicates: repeated };
      const existing = listGet.get(list);
      if (existing) listUpd.run(JSON.stringify([...(JSON.parse(existing.files) as unknown[]), entry]), now, list);
      else listIns.run(list, format, JSON.stringify([entry]), now, now);
      return { inserted, repeated };
    })
    .immediate();
}

/** The scope a row shows: its stored scope when it is one of SCOPES, `unknown` otherwise (as `fromRow`). */
const SCOPE_SQL = `(CASE WHEN scope IN (${SCOPES.map((x) => `'${x}'`).join(', ')}) THEN scope ELSE 'unknown' END)`;

function referenceWhere(db: Db, f: ReferenceFilter): { sql: string; args: Array<string | number> } {
  const where = ['list = ?'];
  const args: Array<string | number> = [f.list];
  if (f.country) {
    where.push('country = ?');
    args.push(f.country.toUpperCase());
  }
  const open = f.openEndedSeconds ?? 86400;
  if (f.from !== undefined) {
    where.push('coalesce("end", start + ?) > ?');
    args.push(open, f.from);
  }
  if (f.until !== undefined) {
    where.push('start < ?');
    args.push(f.until);
  }
  if (f.scope) {
    where.push(`${SCOPE_SQL} = ?`);
    args.push(f.scope);
  }
  if (f.text) {
    ensureUnicodeLower(db);
    const fields = ['cause', 'scope_detail', 'scope_raw', 'area', SCOPE_SQL, 'kind'].map(
      (c) => `instr(ow_lower(coalesce(${c}, '')), ?) > 0`,
    );
    where.push(`(${fields.join(' OR ')} OR EXISTS (SELECT 1 FROM json_each(services) s WHERE instr(ow_lower(s.value), ?) > 0))`);
    const t = f.text.toLowerCase();
    for (let i = 0; i < 7; i++) args.push(t);
  }
  return { sql: where.join(' AND '), args };
}

export function listReferenceOutages(db: Db, f: ReferenceFilter): ReferenceOutage[] {
  const w = referenceWhere(db, f);
  return db
    .prepare<Array<string | number>, Row>(`SELECT * FROM reference_outages WHERE ${w.sql} ORDER BY start, id`)
    .all(...w.args)
    .map(fromRow);
}

/** How many rows `listReferenceOutages` would return (a count, nothing read). */
export function countReferenceOutages(db: Db, f: ReferenceFilter): number {
  const w = referenceWhere(db, f);
  return (
    db.prepare<Array<string | number>, { n: number }>(`SELECT count(*) AS n FROM reference_outages WHERE ${w.sql}`).get(...w.args)?.n ?? 0
  );
}

/** What reference listings sort by (nulls last in either direction, ties in start-then-id order). */
export const REFERENCE_SORTS = {
  country: 'country',
  start: 'start',
  end: '"end"',
  duration: '("end" - start)',
  kind: 'kind',
  scope: SCOPE_SQL,
  area: 'area',
  cause: 'cause',
} as const;
export type ReferenceSortKey = keyof typeof REFERENCE_SORTS;

/** One page of the rows `listReferenceOutages` would return, sorted and paged in SQL. */
export function pageReferenceOutages(
  db: Db,
  f: ReferenceFilter,
  page: { sort: ReferenceSortKey; dir: 'asc' | 'desc'; limit: number; offset: number },
): ReferenceOutage[] {
  const w = referenceWhere(db, f);
  const expr = REFERENCE_SORTS[page.sort];
  const order = `(${expr}) IS NULL, ${expr} ${page.dir === 'desc' ? 'DESC' : 'ASC'}, start, id`;
  return db
    .prepare<Array<string | number>, Row>(`SELECT * FROM reference_outages WHERE ${w.sql} ORDER BY ${order} LIMIT ? OFFSET ?`)
    .all(...w.args, page.limit, page.offset)
    .map(fromRow);
}

export function referenceListNames(db: Db): string[] {
  return db
    .prepare<[], { name: string }>(
      'SELECT name FROM reference_lists UNION SELECT DISTINCT list AS name FROM reference_outages ORDER BY name',
    )
    .all()
    .map((r) => r.name);
}

export function getReferenceList(db: Db, name: string): ReferenceListRow | null {
  const meta = db
    .prepare<[string], { name: string; format: string; files: string; created_at: number; updated_at: number }>(
      'SELECT * FROM reference_lists WHERE name = ?',
    )
    .get(name);
  const agg = db
    .prepare<[string], { n: number; countries: number; first: number | null; last: number | null; lastStart: number | null }>(
      'SELECT count(*) AS n, count(DISTINCT country) AS countries, min(start) AS first, max(coalesce("end", start)) AS last, max(start) AS lastStart FROM reference_outages WHERE list = ?',
    )
    .get(name);
  if (!meta && !agg?.n) return null;
  const kinds = db
    .prepare<[string], { kind: string | null; n: number }>(
      'SELECT kind, count(*) AS n FROM reference_outages WHERE list = ? GROUP BY kind ORDER BY kind',
    )
    .all(name);
  const scopes = db
    .prepare<[string], { scope: string | null; n: number }>(
      'SELECT scope, count(*) AS n FROM reference_outages WHERE list = ? GROUP BY scope',
    )
    .all(name);
  return referenceListFromParts(name, meta, agg, kinds, scopes);
}

/** A list's stored summary parts, as both backends read them. */
export interface ReferenceListParts {
  meta: { format: string; files: string; created_at: number; updated_at: number } | undefined;
  agg: { n: number; countries: number; first: number | null; last: number | null; lastStart: number | null } | undefined;
}

/**
 * A list's summary from its meta row, its aggregate row and its counts per kind (in the backend's kind order) and
 * per stored scope (scopes this version does not know count as `unknown`). Both backends build it here.
 */
export function referenceListFromParts(
  name: string,
  meta: ReferenceListParts['meta'],
  agg: ReferenceListParts['agg'],
  kindCounts: ReadonlyArray<{ kind: string | null; n: number }>,
  scopeCounts: ReadonlyArray<{ scope: string | null; n: number }>,
): ReferenceListRow {
  const kinds: Record<string, number> = {};
  for (const k of kindCounts) kinds[k.kind ?? 'unspecified'] = k.n;
  const scopes: Record<string, number> = {};
  for (const k of scopeCounts) {
    const s = (SCOPES as readonly string[]).includes(k.scope ?? '') ? k.scope! : 'unknown';
    scopes[s] = (scopes[s] ?? 0) + k.n;
  }
  return {
    name,
    format: meta?.format ?? 'unknown',
    files: meta ? (JSON.parse(meta.files) as ReferenceListRow['files']) : [],
    createdAt: meta?.created_at ?? 0,
    updatedAt: meta?.updated_at ?? 0,
    count: agg?.n ?? 0,
    countries: agg?.countries ?? 0,
    first: agg?.first ?? null,
    last: agg?.last ?? null,
    lastStart: agg?.lastStart ?? null,
    kinds,
    scopes: Object.fromEntries(SCOPES.filter((x) => scopes[x]).map((x) => [x, scopes[x]!])),
  };
}

export function listReferenceLists(db: Db): ReferenceListRow[] {
  return referenceListNames(db)
    .map((n) => getReferenceList(db, n))
    .filter((x): x is ReferenceListRow => x !== null);
}

/** True when the list exists (false also on a database the 0040 migration has not reached). */
export function referenceListExists(db: Db, name: string): boolean {
  const t = db
    .prepare<[], { n: number }>("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'reference_lists'")
    .get();
  if (!t?.n) return false;
  return getReferenceList(db, name) !== null;
}
