import type pg from 'pg';
import type { Db } from './connection.js';
import { parseEntity } from './entities.js';
import { PgPointStore } from './postgres/store.js';
import { SqlitePointStore, type EntityRow, type PointStore, type SourceEventFilter } from './repository.js';
import { dataVersion, inferStep } from './signals-read.js';
import { runFromDbRow, type CheckpointRow, type RunDbRow, type RunRow, type SourceEventRow } from './store.js';

/**
 * The reads the dashboard and the API list with (issue 21 item 4, issue 23): every listing that can grow is counted
 * with COUNT and read a page at a time with LIMIT/OFFSET in a stable order, on SQLite and on PostgreSQL, with the
 * same SQL where the dialects agree (`?` placeholders, numbered for PostgreSQL). Also the small facts /api/health
 * and the chart cache need (size on disk, a data version, a signal's typical step). `listingsFor(points)` gives the
 * implementation for a store opened by db/open.ts.
 */

export interface EntityListFilter {
  country?: string;
  type?: string;
}

export interface SourceEventListFilter extends SourceEventFilter {
  /** every entity of this country */
  country?: string;
}

export interface RunListFilter {
  collector?: string;
  job?: string;
}

export type RunSortKey = 'id' | 'job' | 'collector' | 'started' | 'took' | 'status' | 'rows';
export type CoverageSortKey = 'entity' | 'collector' | 'signal' | 'first' | 'until' | 'ok' | 'nodata' | 'gaps' | 'updated';
export type SortDir = 'asc' | 'desc';

export interface CoverageFilter {
  collector?: string;
  entity?: string;
  /**
   * `singles`: the rows shown one by one (countries, entities without a country, small sets); `{country, type}`: one
   * folded group of sub-national entities (at least `COVERAGE_GROUP_AT` entities of one type in one country).
   */
  part?: 'singles' | { country: string; type: string };
}

/** One row of coverage: per (collector, entity, signal), aggregated in SQL from its checkpoints. */
export interface CoverageRow {
  collector: string;
  entity: string;
  signal: string;
  first: number;
  until: number;
  okSeconds: number;
  noDataSeconds: number;
  /** holes between first and until not covered by any checkpoint */
  gapCount: number;
  updatedAt: number;
}

export interface CoverageGroupRow {
  country: string;
  type: string;
  entities: number;
  rows: number;
  first: number;
  until: number;
  gaps: number;
  /** `collector signal`, sorted */
  signals: string[];
}

/** Sub-national entities of one type in one country with this many entities or more fold into one group. */
export const COVERAGE_GROUP_AT = 6;

export interface ListingReads {
  /** Size of the database (file and WAL on SQLite, `pg_database_size` on PostgreSQL), bytes. */
  sizeBytes(): Promise<number>;
  /** A cheap read that throws when the database cannot be read at all. */
  probe(): Promise<void>;
  /** Changes when stored data changes (commits by any process show within `maxAgeMs` on SQLite); a cache key. */
  dataVersion(maxAgeMs?: number): Promise<string>;
  /** The typical spacing of a signal's first points (median difference), or null with fewer than two. */
  inferStep(signalId: number): Promise<number | null>;

  countEntities(f: EntityListFilter): Promise<number>;
  /** Ordered by type and code (byte order on both backends). */
  pageEntities(f: EntityListFilter, offset: number, limit: number): Promise<EntityRow[]>;
  /** `type:code`, the type and code matched without regard to case. */
  findEntity(ref: string): Promise<EntityRow | null>;

  countSourceEvents(f: SourceEventListFilter): Promise<number>;
  /** Ordered by start, then id. */
  pageSourceEvents(f: SourceEventListFilter, offset: number, limit: number): Promise<SourceEventRow[]>;

  countRuns(f: RunListFilter): Promise<number>;
  /** Ordered by the key, then id (newest first by default). */
  pageRuns(f: RunListFilter, sort: { key: RunSortKey; dir: SortDir }, offset: number, limit: number): Promise<RunRow[]>;

  countCheckpoints(f: { collector?: string; entity?: string }): Promise<number>;
  /** Ordered by collector, entity, signal, start. */
  pageCheckpoints(f: { collector?: string; entity?: string }, offset: number, limit: number): Promise<CheckpointRow[]>;

  countCoverage(f: CoverageFilter): Promise<number>;
  pageCoverage(f: CoverageFilter, sort: { key: CoverageSortKey; dir: SortDir }, offset: number, limit: number): Promise<CoverageRow[]>;
  /** The folded groups (see `CoverageFilter.part`), by country and type. */
  coverageGroups(f: Omit<CoverageFilter, 'part'>): Promise<CoverageGroupRow[]>;
  /** The checkpoints of the given (collector, entity, signal) keys, in key and time order (a coverage page's gaps). */
  checkpointsOf(keys: ReadonlyArray<{ collector: string; entity: string; signal: string }>): Promise<CheckpointRow[]>;
}

type Arg = string | number;

/** How the two backends differ in the statements below. */
interface Dialect {
  all<T>(sql: string, args: readonly Arg[]): Promise<T[]>;
  /** a text column in byte order */
  text(col: string): string;
  seStart: string;
  seEnd: string;
  decodeRaw(raw: unknown): unknown;
  decodeDetails(d: unknown): unknown;
}

const RUN_SORT: Record<RunSortKey, string> = {
  id: 'id',
  job: 'job',
  collector: 'collector',
  started: 'started_at',
  took: '(finished_at - started_at)',
  status: 'status',
  rows: 'rows',
};

const COVERAGE_SORT: Record<CoverageSortKey, string> = {
  entity: 'entity',
  collector: 'collector',
  signal: 'signal',
  first: 'first',
  until: 'until_ts',
  ok: 'ok_s',
  nodata: 'nodata_s',
  gaps: 'gaps',
  updated: 'updated_at',
};

const TEXT_SORT = new Set(['entity', 'collector', 'signal', 'job', 'status']);

class SqlListings implements Omit<ListingReads, 'sizeBytes' | 'probe' | 'dataVersion' | 'inferStep'> {
  constructor(protected readonly d: Dialect) {}

  private entityWhere(f: EntityListFilter, args: Arg[]): string {
    const where: string[] = [];
    if (f.country !== undefined) {
      where.push('country = ?');
      args.push(f.country);
    }
    if (f.type !== undefined) {
      where.push('type = ?');
      args.push(f.type);
    }
    return where.length ? `WHERE ${where.join(' AND ')}` : '';
  }

  async countEntities(f: EntityListFilter): Promise<number> {
    const args: Arg[] = [];
    const r = await this.d.all<{ n: number }>(`SELECT count(*) AS n FROM entities ${this.entityWhere(f, args)}`, args);
    return Number(r[0]?.n ?? 0);
  }

  async pageEntities(f: EntityListFilter, offset: number, limit: number): Promise<EntityRow[]> {
    const args: Arg[] = [];
    const where = this.entityWhere(f, args);
    args.push(limit, offset);
    const rows = await this.d.all<{ id: number; type: string; code: string; name: string | null; country: string | null }>(
      `SELECT id, type, code, name, country FROM entities ${where} ORDER BY ${this.d.text('type')}, ${this.d.text('code')} LIMIT ? OFFSET ?`,
      args,
    );
    return rows.map((e) => ({ id: Number(e.id), entity: `${e.type}:${e.code}`, name: e.name, country: e.country }));
  }

  async findEntity(ref: string): Promise<EntityRow | null> {
    const i = ref.indexOf(':');
    if (i <= 0) return null;
    const type = ref.slice(0, i);
    const code = ref.slice(i + 1);
    // the exact spelling first, then any case
    const rows = await this.d.all<{ id: number; type: string; code: string; name: string | null; country: string | null }>(
      `SELECT id, type, code, name, country FROM entities WHERE lower(type) = lower(?) AND lower(code) = lower(?)
       ORDER BY CASE WHEN type = ? AND code = ? THEN 0 ELSE 1 END, id LIMIT 1`,
      [type, code, type, code],
    );
    const e = rows[0];
    return e ? { id: Number(e.id), entity: `${e.type}:${e.code}`, name: e.name, country: e.country } : null;
  }

  private sourceEventWhere(f: SourceEventListFilter, args: Arg[]): string {
    const where: string[] = [];
    if (f.entity) {
      const e = parseEntity(f.entity);
      where.push('e.type = ? AND e.code = ?');
      args.push(e.type, e.code);
    }
    if (f.country) {
      where.push('e.country = ?');
      args.push(f.country);
    }
    if (f.source) {
      where.push('se.source = ?');
      args.push(f.source);
    }
    if (f.until !== undefined) {
      where.push(`${this.d.seStart} < ?`);
      args.push(f.until);
    }
    if (f.from !== undefined) {
      where.push(`coalesce(${this.d.seEnd}, ${this.d.seStart}) >= ?`);
      args.push(f.from);
    }
    return where.length ? `WHERE ${where.join(' AND ')}` : '';
  }

  async countSourceEvents(f: SourceEventListFilter): Promise<number> {
    const args: Arg[] = [];
    const r = await this.d.all<{ n: number }>(
      `SELECT count(*) AS n FROM source_events se LEFT JOIN entities e ON e.id = se.entity_id ${this.sourceEventWhere(f, args)}`,
      args,
    );
    return Number(r[0]?.n ?? 0);
  }

  async pageSourceEvents(f: SourceEventListFilter, offset: number, limit: number): Promise<SourceEventRow[]> {
    const args: Arg[] = [];
    const where = this.sourceEventWhere(f, args);
    args.push(limit, offset);
    type Row = {
      id: number;
      source: string;
      external_id: string;
      type: string | null;
      code: string | null;
      start: number;
      end_: number | null;
      kind: string | null;
      title: string | null;
      description: string | null;
      score: number | null;
      url: string | null;
      raw: unknown;
      fetched_at: number;
    };
    const rows = await this.d.all<Row>(
      `SELECT se.id, se.source, se.external_id, e.type, e.code, ${this.d.seStart} AS start, ${this.d.seEnd} AS end_, se.kind, se.title,
              se.description, se.score, se.url, se.raw, se.fetched_at
       FROM source_events se LEFT JOIN entities e ON e.id = se.entity_id ${where}
       ORDER BY ${this.d.seStart}, se.id LIMIT ? OFFSET ?`,
      args,
    );
    return rows.map((r) => ({
      id: Number(r.id),
      source: r.source,
      externalId: r.external_id,
      entity: r.type ? `${r.type}:${r.code}` : null,
      start: Number(r.start),
      end: r.end_ === null ? null : Number(r.end_),
      kind: r.kind,
      title: r.title,
      description: r.description,
      score: r.score,
      url: r.url,
      raw: this.d.decodeRaw(r.raw),
      fetchedAt: Number(r.fetched_at),
    }));
  }

  private runWhere(f: RunListFilter, args: Arg[]): string {
    const where: string[] = [];
    if (f.collector) {
      where.push('collector = ?');
      args.push(f.collector);
    }
    if (f.job) {
      where.push('job = ?');
      args.push(f.job);
    }
    return where.length ? `WHERE ${where.join(' AND ')}` : '';
  }

  async countRuns(f: RunListFilter): Promise<number> {
    const args: Arg[] = [];
    const r = await this.d.all<{ n: number }>(`SELECT count(*) AS n FROM runs ${this.runWhere(f, args)}`, args);
    return Number(r[0]?.n ?? 0);
  }

  async pageRuns(f: RunListFilter, sort: { key: RunSortKey; dir: SortDir }, offset: number, limit: number): Promise<RunRow[]> {
    const args: Arg[] = [];
    const where = this.runWhere(f, args);
    args.push(limit, offset);
    const dir = sort.dir === 'asc' ? 'ASC' : 'DESC';
    const col = TEXT_SORT.has(sort.key) ? this.d.text(RUN_SORT[sort.key]) : RUN_SORT[sort.key];
    // nulls (a run still running has no duration) last either way, as the in-memory table sorted them
    const rows = await this.d.all<RunDbRow<unknown>>(
      `SELECT * FROM runs ${where} ORDER BY (${RUN_SORT[sort.key]}) IS NULL, ${col} ${dir}, id ${dir} LIMIT ? OFFSET ?`,
      args,
    );
    return rows.map((r) =>
      runFromDbRow(
        {
          ...r,
          id: Number(r.id),
          started_at: Number(r.started_at),
          finished_at: r.finished_at === null ? null : Number(r.finished_at),
          rows: Number(r.rows),
          windows_ok: Number(r.windows_ok),
          windows_failed: Number(r.windows_failed),
        },
        (d) => this.d.decodeDetails(d),
      ),
    );
  }

  private checkpointWhere(f: { collector?: string; entity?: string }, args: Arg[]): string {
    const where: string[] = [];
    if (f.collector) {
      where.push('collector = ?');
      args.push(f.collector);
    }
    if (f.entity) {
      where.push('entity = ?');
      args.push(f.entity);
    }
    return where.length ? `WHERE ${where.join(' AND ')}` : '';
  }

  async countCheckpoints(f: { collector?: string; entity?: string }): Promise<number> {
    const args: Arg[] = [];
    const r = await this.d.all<{ n: number }>(`SELECT count(*) AS n FROM checkpoints ${this.checkpointWhere(f, args)}`, args);
    return Number(r[0]?.n ?? 0);
  }

  private checkpointRows(rows: Array<Record<string, unknown>>): CheckpointRow[] {
    return rows.map((x) => ({
      collector: x.collector as string,
      entity: x.entity as string,
      signal: x.signal as string,
      from: Number(x.from_ts),
      until: Number(x.until_ts),
      status: x.status as CheckpointRow['status'],
      updatedAt: Number(x.updated_at),
    }));
  }

  async pageCheckpoints(f: { collector?: string; entity?: string }, offset: number, limit: number): Promise<CheckpointRow[]> {
    const args: Arg[] = [];
    const where = this.checkpointWhere(f, args);
    args.push(limit, offset);
    const t = (c: string) => this.d.text(c);
    return this.checkpointRows(
      await this.d.all(
        `SELECT collector, entity, signal, from_ts, until_ts, status, updated_at FROM checkpoints ${where}
         ORDER BY ${t('collector')}, ${t('entity')}, ${t('signal')}, from_ts LIMIT ? OFFSET ?`,
        args,
      ),
    );
  }

  async checkpointsOf(keys: ReadonlyArray<{ collector: string; entity: string; signal: string }>): Promise<CheckpointRow[]> {
    if (keys.length === 0) return [];
    const args: Arg[] = [];
    const or = keys.map((k) => {
      args.push(k.collector, k.entity, k.signal);
      return '(collector = ? AND entity = ? AND signal = ?)';
    });
    const t = (c: string) => this.d.text(c);
    return this.checkpointRows(
      await this.d.all(
        `SELECT collector, entity, signal, from_ts, until_ts, status, updated_at FROM checkpoints WHERE ${or.join(' OR ')}
         ORDER BY ${t('collector')}, ${t('entity')}, ${t('signal')}, from_ts`,
        args,
      ),
    );
  }

  /**
   * Coverage rows (one per collector, entity and signal) with the country and type of their entity and whether
   * they belong to a folded group; a gap is a checkpoint starting after every earlier one of its key ended.
   */
  private coverageSql(f: Omit<CoverageFilter, 'part'>, args: Arg[]): string {
    const where = this.checkpointWhere(f, args);
    args.push(COVERAGE_GROUP_AT);
    return `WITH cp AS (
        SELECT collector, entity, signal, from_ts, until_ts, status, updated_at,
          CASE WHEN from_ts > max(until_ts) OVER (PARTITION BY collector, entity, signal ORDER BY from_ts ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
            THEN 1 ELSE 0 END AS gap
        FROM checkpoints ${where}
      ), cov AS (
        SELECT collector, entity, signal, min(from_ts) AS first, max(until_ts) AS until_ts,
          sum(CASE WHEN status = 'ok' THEN until_ts - from_ts ELSE 0 END) AS ok_s,
          sum(CASE WHEN status = 'no-data' THEN until_ts - from_ts ELSE 0 END) AS nodata_s,
          sum(gap) AS gaps, max(updated_at) AS updated_at
        FROM cp GROUP BY collector, entity, signal
      ), ent AS (
        SELECT cov.*, e.country AS e_country, e.type AS e_type FROM cov LEFT JOIN entities e ON e.type || ':' || e.code = cov.entity
      ), grp AS (
        SELECT e_country, e_type FROM ent WHERE e_type <> 'country' AND e_country IS NOT NULL
        GROUP BY e_country, e_type HAVING count(DISTINCT entity) >= ?
      ), keyed AS (
        SELECT ent.*, CASE WHEN EXISTS (SELECT 1 FROM grp WHERE grp.e_country = ent.e_country AND grp.e_type = ent.e_type) THEN 1 ELSE 0 END AS folded
        FROM ent
      )`;
  }

  private partWhere(f: CoverageFilter, args: Arg[]): string {
    if (f.part === undefined) return '';
    if (f.part === 'singles') return 'WHERE folded = 0';
    args.push(f.part.country, f.part.type);
    return 'WHERE folded = 1 AND e_country = ? AND e_type = ?';
  }

  async countCoverage(f: CoverageFilter): Promise<number> {
    const args: Arg[] = [];
    const withSql = this.coverageSql(f, args);
    const r = await this.d.all<{ n: number }>(`${withSql} SELECT count(*) AS n FROM keyed ${this.partWhere(f, args)}`, args);
    return Number(r[0]?.n ?? 0);
  }

  async pageCoverage(
    f: CoverageFilter,
    sort: { key: CoverageSortKey; dir: SortDir },
    offset: number,
    limit: number,
  ): Promise<CoverageRow[]> {
    const args: Arg[] = [];
    const withSql = this.coverageSql(f, args);
    const where = this.partWhere(f, args);
    args.push(limit, offset);
    const dir = sort.dir === 'asc' ? 'ASC' : 'DESC';
    const t = (c: string) => this.d.text(c);
    const col = TEXT_SORT.has(sort.key) ? t(COVERAGE_SORT[sort.key]) : COVERAGE_SORT[sort.key];
    const rows = await this.d.all<Record<string, unknown>>(
      `${withSql} SELECT collector, entity, signal, first, until_ts, ok_s, nodata_s, gaps, updated_at FROM keyed ${where}
       ORDER BY ${col} ${dir}, ${t('entity')}, ${t('collector')}, ${t('signal')} LIMIT ? OFFSET ?`,
      args,
    );
    return rows.map((r) => ({
      collector: r.collector as string,
      entity: r.entity as string,
      signal: r.signal as string,
      first: Number(r.first),
      until: Number(r.until_ts),
      okSeconds: Number(r.ok_s),
      noDataSeconds: Number(r.nodata_s),
      gapCount: Number(r.gaps),
      updatedAt: Number(r.updated_at),
    }));
  }

  async coverageGroups(f: Omit<CoverageFilter, 'part'>): Promise<CoverageGroupRow[]> {
    const args: Arg[] = [];
    const withSql = this.coverageSql(f, args);
    const t = (c: string) => this.d.text(c);
    const rows = await this.d.all<Record<string, unknown>>(
      `${withSql} SELECT e_country, e_type, count(DISTINCT entity) AS entities, count(*) AS n, min(first) AS first, max(until_ts) AS until_ts, sum(gaps) AS gaps
       FROM keyed WHERE folded = 1 GROUP BY e_country, e_type ORDER BY ${t('e_country')}, ${t('e_type')}`,
      args,
    );
    const sigArgs: Arg[] = [];
    const sigWith = this.coverageSql(f, sigArgs);
    const sigs = await this.d.all<{ e_country: string; e_type: string; collector: string; signal: string }>(
      `${sigWith} SELECT DISTINCT e_country, e_type, collector, signal FROM keyed WHERE folded = 1`,
      sigArgs,
    );
    return rows.map((r) => ({
      country: r.e_country as string,
      type: r.e_type as string,
      entities: Number(r.entities),
      rows: Number(r.n),
      first: Number(r.first),
      until: Number(r.until_ts),
      gaps: Number(r.gaps),
      signals: sigs
        .filter((s) => s.e_country === r.e_country && s.e_type === r.e_type)
        .map((s) => `${s.collector} ${s.signal}`)
        .sort(),
    }));
  }
}

/** SQLite: the same connection the store uses, synchronous statements underneath. */
class SqliteListings extends SqlListings implements ListingReads {
  constructor(private readonly points: SqlitePointStore) {
    const db: Db = points.store.db;
    super({
      all: <T>(sql: string, args: readonly Arg[]) => Promise.resolve(db.prepare<Arg[], T>(sql).all(...args)),
      text: (c) => c,
      seStart: 'se.start',
      seEnd: 'se."end"',
      decodeRaw: (raw) => JSON.parse(raw as string) as unknown,
      decodeDetails: (d) => (typeof d === 'string' && d ? (JSON.parse(d) as unknown) : null),
    });
  }

  sizeBytes(): Promise<number> {
    return Promise.resolve(this.points.store.sizeBytes());
  }

  probe(): Promise<void> {
    this.points.store.probe();
    return Promise.resolve();
  }

  dataVersion(maxAgeMs = 0): Promise<string> {
    return Promise.resolve(dataVersion(this.points.store, maxAgeMs));
  }

  inferStep(signalId: number): Promise<number | null> {
    return Promise.resolve(inferStep(this.points.store, signalId));
  }
}

/** `?` placeholders as PostgreSQL's `$1, $2…` (the statements above hold no `?` inside literals). */
function numbered(sql: string): string {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
}

class PgListings extends SqlListings implements ListingReads {
  constructor(
    private readonly points: PgPointStore,
    pool: pg.Pool,
  ) {
    super({
      all: async <T>(sql: string, args: readonly Arg[]) => (await pool.query({ text: numbered(sql), values: [...args] })).rows as T[],
      text: (c) => `${c} COLLATE "C"`,
      seStart: 'se.start_ts',
      seEnd: 'se.end_ts',
      decodeRaw: (raw) => raw,
      decodeDetails: (d) => d ?? null,
    });
    this.pool = pool;
  }

  private readonly pool: pg.Pool;

  async sizeBytes(): Promise<number> {
    const r = await this.pool.query<{ n: string }>('SELECT pg_database_size(current_database())::text AS n');
    return Number(r.rows[0]?.n ?? 0);
  }

  async probe(): Promise<void> {
    await this.pool.query('SELECT id FROM runs ORDER BY id DESC LIMIT 1');
  }

  async dataVersion(): Promise<string> {
    return String(await this.points.dataVersion());
  }

  async inferStep(signalId: number): Promise<number | null> {
    const r = await this.pool.query<{ ts: number }>('SELECT ts FROM points WHERE signal_id = $1 ORDER BY ts LIMIT 64', [signalId]);
    const ts = r.rows.map((x) => Number(x.ts));
    if (ts.length < 2) return null;
    const diffs = ts
      .slice(1)
      .map((t, i) => t - ts[i]!)
      .sort((a, b) => a - b);
    return diffs[Math.floor(diffs.length / 2)]! || null;
  }
}

/** The listing reads of a store opened by db/open.ts (either backend). */
export function listingsFor(points: PointStore): ListingReads {
  if (points instanceof SqlitePointStore) return new SqliteListings(points);
  if (points instanceof PgPointStore) return new PgListings(points, points.pool);
  throw new Error(`no listing reads for a ${points.backend} store`);
}
