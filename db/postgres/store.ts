import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import pg from 'pg';
import { redactDbUrl } from '../../core/db-location.js';
import { formatEntity, parseEntity, parseSignalName } from '../entities.js';
import { defaultProvenance, mergeProvenance } from '../provenance.js';
import type { CheckpointFilter, EntityRow, PointStore, RollupResolution, SourceEventFilter } from '../repository.js';
import type { Resolution, SeriesColumns } from '../signals-read.js';
import {
  runFromDbRow,
  THIS_PROCESS,
  type RunDbRow,
  type CheckpointRow,
  type RollupRow,
  type RunFinish,
  type RunOwner,
  type RunRow,
  type SignalRow,
  type SignalSpec,
  type SourceEventRow,
  type WindowResult,
  type WindowWrite,
} from '../store.js';
import type { WindowLeases } from '../leases.js';
import { PgWindowLeases } from './leases.js';
import { migratePg, pgSchemaVersion } from './migrate.js';
import { ensurePartitions, partitionsBetween, type PartitionSpec } from './partitions.js';

/**
 * The core store on PostgreSQL 15+ (issue 23), with the `pg` driver: the same results as the SQLite store for the
 * same calls. A window is one transaction (points as one multi-row upsert from arrays, rollups recomputed for the
 * hours/days it touched with the SQLite rules, source events, raw responses, checkpoints): all of it or nothing,
 * and writing it again changes nothing. Times are Unix seconds (bigint), read back as JS numbers.
 */

const HOUR = 3600;
const DAY = 86400;
const now = () => Math.floor(Date.now() / 1000);

/** bigint (20) and numeric (1700) as JS numbers: every bigint here is a time, an id or a count below 2^53. */
const TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20 || oid === 1700) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format);
  },
} as unknown as pg.CustomTypesConfig;

const ROLLUP_TABLE: Record<RollupResolution, string> = { hourly: 'points_hourly', '6h': 'points_6h', daily: 'points_daily' };

const ROLLUP_SET =
  'ON CONFLICT (signal_id, ts) DO UPDATE SET min = excluded.min, mean = excluded.mean, max = excluded.max, n = excluded.n, sum = excluded.sum';

// the SQLite rollup rules (db/store.ts), in PostgreSQL: non-null values only; hours from points, 6-hour blocks and
// days from the hourly rows (sum(sum) / sum(n): means combine exactly up to summation order)
const SQL = {
  // every series of a window in one statement: parallel arrays of (signal id, time, value)
  points:
    'INSERT INTO points (signal_id, ts, value) SELECT s, t, v FROM unnest($1::bigint[], $2::bigint[], $3::float8[]) AS u(s, t, v) ' +
    'ON CONFLICT (signal_id, ts) DO UPDATE SET value = excluded.value',
  // rollups of every series at once: $1 signal ids, $2/$3 the [from, until) each one's recompute covers
  hourly:
    'INSERT INTO points_hourly (signal_id, ts, min, mean, max, n, sum) ' +
    'SELECT p.signal_id, (p.ts / 3600) * 3600 AS h, min(p.value), avg(p.value), max(p.value), count(p.value), sum(p.value) ' +
    'FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS r(sid, lo, hi) JOIN points p ON p.signal_id = r.sid AND p.ts >= r.lo AND p.ts < r.hi ' +
    `GROUP BY p.signal_id, h ${ROLLUP_SET}`,
  sixHourly:
    'INSERT INTO points_6h (signal_id, ts, min, mean, max, n, sum) ' +
    'SELECT p.signal_id, (p.ts / 21600) * 21600 AS q, min(p.min), sum(p.sum) / nullif(sum(p.n), 0), max(p.max), sum(p.n), sum(p.sum) ' +
    'FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS r(sid, lo, hi) JOIN points_hourly p ON p.signal_id = r.sid AND p.ts >= r.lo AND p.ts < r.hi ' +
    `GROUP BY p.signal_id, q ${ROLLUP_SET}`,
  daily:
    'INSERT INTO points_daily (signal_id, ts, min, mean, max, n, sum) ' +
    'SELECT p.signal_id, (p.ts / 86400) * 86400 AS d, min(p.min), sum(p.sum) / nullif(sum(p.n), 0), max(p.max), sum(p.n), sum(p.sum) ' +
    'FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS r(sid, lo, hi) JOIN points_hourly p ON p.signal_id = r.sid AND p.ts >= r.lo AND p.ts < r.hi ' +
    `GROUP BY p.signal_id, d ${ROLLUP_SET}`,
  // checkpoint merging (migration 0002), every signal of the window in one call
  cover:
    'SELECT outagewatch_cover($1, $2, u.signal, $3, $4, u.status, $5) FROM unnest($6::text[], $7::text[]) WITH ORDINALITY AS u(signal, status, i) ORDER BY u.i',
  entityUpsert:
    'INSERT INTO entities (type, code, name, country) VALUES ($1, $2, $3, $4) ' +
    'ON CONFLICT (type, code) DO UPDATE SET name = coalesce(excluded.name, entities.name), country = coalesce(excluded.country, entities.country) RETURNING id',
  signalUpsert:
    'INSERT INTO signals (entity_id, name, source, metric, target, step, unit, synthetic, meta, source_name, licence, citation, label, axis) ' +
    'VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ' +
    'ON CONFLICT (entity_id, name) DO UPDATE SET step = coalesce(excluded.step, signals.step), unit = coalesce(excluded.unit, signals.unit), synthetic = excluded.synthetic, ' +
    'meta = coalesce(excluded.meta, signals.meta), target = coalesce(excluded.target, signals.target), source_name = coalesce(excluded.source_name, signals.source_name), ' +
    'licence = coalesce(excluded.licence, signals.licence), citation = coalesce(excluded.citation, signals.citation), label = coalesce(excluded.label, signals.label), ' +
    'axis = coalesce(excluded.axis, signals.axis) RETURNING id',
  eventUpsert:
    'INSERT INTO source_events (source, external_id, entity_id, start_ts, end_ts, kind, title, description, score, url, raw, fetched_at) ' +
    'VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ' +
    'ON CONFLICT (source, external_id) DO UPDATE SET entity_id = excluded.entity_id, start_ts = excluded.start_ts, end_ts = excluded.end_ts, kind = excluded.kind, ' +
    'title = excluded.title, description = excluded.description, score = excluded.score, url = excluded.url, raw = excluded.raw, fetched_at = excluded.fetched_at',
} as const;

type Queryable = pg.ClientBase | pg.Pool;

const runFromRow = (r: RunDbRow<unknown>): RunRow => runFromDbRow(r, (d) => d ?? null);

/** JSON for a jsonb parameter (the driver would turn an array into a PostgreSQL array otherwise). */
function jsonb(v: unknown): string {
  return JSON.stringify(v ?? null);
}

export interface PgOpenOptions {
  /** Apply pending migrations (default true). */
  migrate?: boolean;
  /** Pool size (default 4). */
  max?: number;
  owner?: RunOwner;
}

export class PgPointStore implements PointStore {
  readonly backend = 'postgres' as const;
  readonly location: string;
  private readonly entityIds = new Map<string, number>();
  private readonly signalIds = new Map<string, number>();
  private readonly partitions = new Set<string>();

  private constructor(
    readonly pool: pg.Pool,
    url: string,
    readonly owner: RunOwner,
  ) {
    this.location = redactDbUrl(url);
  }

  /** Connects (and, unless `migrate: false`, brings the schema up to date under the migration lock). */
  static async open(url: string, opts: PgOpenOptions = {}): Promise<PgPointStore> {
    const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 4, types: TYPES, application_name: 'outagewatch' });
    // an idle client's error (server restart) must not crash the process; the next query reports it
    pool.on('error', () => {});
    const store = new PgPointStore(pool, url, opts.owner ?? THIS_PROCESS);
    try {
      const client = await pool.connect();
      try {
        if (opts.migrate !== false) await migratePg(client);
        else if ((await pgSchemaVersion(client)) === 0)
          throw new Error(`${store.location} holds no outagewatch schema (run \`outagewatch db migrate\`)`);
      } finally {
        client.release();
      }
    } catch (err) {
      await pool.end();
      throw err;
    }
    return store;
  }

  async serverVersion(): Promise<string> {
    const r = await this.pool.query<{ v: string }>("SELECT current_setting('server_version') AS v");
    return `PostgreSQL ${r.rows[0]?.v ?? '?'}`;
  }

  async schemaVersion(): Promise<number> {
    const c = await this.pool.connect();
    try {
      return await pgSchemaVersion(c);
    } finally {
      c.release();
    }
  }

  /** A number that changes when correlation inputs (daily rollups, source events, checkpoints) change. */
  async dataVersion(): Promise<number> {
    const r = await this.pool.query<{ v: number }>('SELECT last_value AS v FROM data_version_seq');
    return r.rows[0]?.v ?? 0;
  }

  private async upsertEntity(q: Queryable, ref: string, extra: { name?: string | null; country?: string | null } = {}): Promise<number> {
    const e = parseEntity(ref);
    const key = formatEntity(e);
    const cached = this.entityIds.get(key);
    if (cached !== undefined && extra.name === undefined && extra.country === undefined) return cached;
    const country = extra.country ?? (e.type === 'country' ? e.code : null);
    const r = await q.query<{ id: number }>(SQL.entityUpsert, [e.type, e.code, extra.name ?? null, country]);
    const id = r.rows[0]!.id;
    this.entityIds.set(key, id);
    return id;
  }

  private async upsertSignal(q: Queryable, entity: string, spec: SignalSpec): Promise<number> {
    const key = `${formatEntity(parseEntity(entity))}|${spec.name}`;
    const cached = this.signalIds.get(key);
    if (cached !== undefined) return cached;
    const entityId = await this.upsertEntity(q, entity);
    const n = parseSignalName(spec.name);
    const p = spec.provenance ?? {};
    const d = defaultProvenance(spec.name);
    const known = d.licence !== null;
    const r = await q.query<{ id: number }>(SQL.signalUpsert, [
      entityId,
      spec.name,
      n.source,
      n.metric,
      p.target ?? n.target,
      spec.step ?? null,
      spec.unit ?? null,
      spec.synthetic ?? false,
      spec.meta ? jsonb(spec.meta) : null,
      p.sourceName ?? (known ? d.sourceName : null),
      p.licence ?? (known ? d.licence : null),
      p.citation ?? (known ? d.citation : null),
      p.label ?? null,
      p.axis ?? null,
    ]);
    const id = r.rows[0]!.id;
    this.signalIds.set(key, id);
    return id;
  }

  ensureEntity(ref: string, extra?: { name?: string | null; country?: string | null }): Promise<number> {
    return this.upsertEntity(this.pool, ref, extra);
  }

  ensureSignal(entity: string, spec: SignalSpec): Promise<number> {
    return this.upsertSignal(this.pool, entity, spec);
  }

  /** The series of a window as upsert columns: whole-second times, NaN as null, the last of equal times kept (as SQLite's upsert). */
  private static columns(
    name: string,
    pts: WindowWrite['series'][number]['points'],
  ): { ts: number[]; values: Array<number | null>; lo: number; hi: number } {
    const last = new Map<number, number | null>();
    let sorted = true;
    let prev = -Infinity;
    for (const [ts, raw] of pts) {
      if (!Number.isInteger(ts)) throw new Error(`${name}: point time ${ts} is not whole seconds`);
      if (ts <= prev) sorted = false;
      prev = ts;
      last.set(ts, raw === null || Number.isNaN(raw) ? null : raw);
    }
    const ts = [...last.keys()];
    if (!sorted) ts.sort((a, b) => a - b);
    const values = ts.map((t) => last.get(t)!);
    return { ts, values, lo: ts[0]!, hi: ts[ts.length - 1]! };
  }

  async writeWindow(w: WindowWrite): Promise<WindowResult> {
    if (!(w.until > w.from)) throw new Error(`window ${w.from}..${w.until} is empty`);
    const entity = formatEntity(parseEntity(w.entity));
    const cols = w.series.map((s) => (s.points.length ? PgPointStore.columns(s.signal.name, s.points) : null));
    // partitions first, in their own short transaction: the window's transaction then takes no DDL lock
    const specs: PartitionSpec[] = [];
    for (const c of cols) {
      if (!c) continue;
      for (const p of partitionsBetween('points', c.lo, c.hi)) specs.push(p);
      for (const p of partitionsBetween('points_hourly', c.lo, c.hi)) specs.push(p);
    }
    const client = await this.pool.connect();
    const entityCacheSize = this.entityIds.size;
    const signalCacheSize = this.signalIds.size;
    let ok = false;
    try {
      if (specs.length) await ensurePartitions(client, specs, this.partitions);
      await client.query('BEGIN');
      const at = now();
      let points = 0;
      const sid: number[] = [];
      const sts: number[] = [];
      const sval: Array<number | null> = [];
      const hour: [number[], number[], number[]] = [[], [], []];
      const day: [number[], number[], number[]] = [[], [], []];
      for (let i = 0; i < w.series.length; i++) {
        const { signal, points: pts } = w.series[i]!;
        const id = await this.upsertSignal(client, entity, signal);
        const c = cols[i];
        if (!c) continue;
        for (let k = 0; k < c.ts.length; k++) {
          sid.push(id);
          sts.push(c.ts[k]!);
          sval.push(c.values[k]!);
        }
        points += pts.length;
        hour[0].push(id);
        hour[1].push(Math.floor(c.lo / HOUR) * HOUR);
        hour[2].push(Math.floor(c.hi / HOUR) * HOUR + HOUR);
        day[0].push(id);
        day[1].push(Math.floor(c.lo / DAY) * DAY);
        day[2].push(Math.floor(c.hi / DAY) * DAY + DAY);
      }
      if (sid.length) {
        await client.query(SQL.points, [sid, sts, sval]);
        await client.query(SQL.hourly, hour);
        await client.query(SQL.daily, day);
        // 6-hour blocks lie inside UTC days: the same day range covers every block the window touched
        await client.query(SQL.sixHourly, day);
      }
      let events = 0;
      for (const e of w.sourceEvents ?? []) {
        const entityId = e.entity ? await this.upsertEntity(client, e.entity) : null;
        await client.query(SQL.eventUpsert, [
          e.source,
          e.externalId,
          entityId,
          e.start,
          e.end ?? null,
          e.kind ?? null,
          e.title ?? null,
          e.description ?? null,
          e.score ?? null,
          e.url ?? null,
          jsonb(e.raw),
          at,
        ]);
        events++;
      }
      for (const r of w.raw ?? []) {
        const body = typeof r.body === 'string' ? Buffer.from(r.body) : r.body;
        await client.query(
          'INSERT INTO raw_responses (source, url, fetched_at, sha256, status, body_gzip) VALUES ($1, $2, $3, $4, $5, $6)',
          [r.source, r.url, r.fetchedAt, createHash('sha256').update(body).digest('hex'), r.status ?? null, gzipSync(body)],
        );
      }
      const coverage = w.coverage ?? w.series.map((s) => ({ signal: s.signal.name, status: 'ok' as const }));
      if (coverage.length) {
        await client.query(SQL.cover, [
          w.collector,
          entity,
          w.from,
          w.until,
          at,
          coverage.map((c) => c.signal),
          coverage.map((c) => c.status),
        ]);
      }
      await client.query('COMMIT');
      ok = true;
      return { points, events };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      // ids created inside the rolled-back transaction are gone: forget them
      if (this.entityIds.size !== entityCacheSize) this.entityIds.clear();
      if (this.signalIds.size !== signalCacheSize) this.signalIds.clear();
      throw err;
    } finally {
      // a client whose transaction failed mid-way is not reused
      client.release(ok ? undefined : true);
    }
  }

  async listEntities(): Promise<EntityRow[]> {
    const r = await this.pool.query<{ id: number; type: string; code: string; name: string | null; country: string | null }>(
      'SELECT id, type, code, name, country FROM entities ORDER BY type COLLATE "C", code COLLATE "C"',
    );
    return r.rows.map((e) => ({ id: e.id, entity: `${e.type}:${e.code}`, name: e.name, country: e.country }));
  }

  async listSignals(entity?: string): Promise<SignalRow[]> {
    type Row = {
      id: number;
      type: string;
      code: string;
      name: string;
      source: string;
      metric: string;
      target: string | null;
      step: number | null;
      unit: string | null;
      synthetic: boolean;
      source_name: string | null;
      licence: string | null;
      citation: string | null;
      label: string | null;
      axis: 'connectivity' | 'services' | null;
    };
    const sql =
      'SELECT s.id, e.type, e.code, s.name, s.source, s.metric, s.target, s.step, s.unit, s.synthetic, s.source_name, s.licence, s.citation, s.label, s.axis FROM signals s JOIN entities e ON e.id = s.entity_id';
    let rows: Row[];
    if (entity) {
      const e = parseEntity(entity);
      rows = (await this.pool.query<Row>(`${sql} WHERE e.type = $1 AND e.code = $2 ORDER BY s.name COLLATE "C"`, [e.type, e.code])).rows;
    } else {
      rows = (await this.pool.query<Row>(`${sql} ORDER BY e.type COLLATE "C", e.code COLLATE "C", s.name COLLATE "C"`)).rows;
    }
    return rows.map((r) => ({
      id: r.id,
      entity: `${r.type}:${r.code}`,
      name: r.name,
      source: r.source,
      metric: r.metric,
      target: r.target,
      step: r.step,
      unit: r.unit,
      synthetic: r.synthetic,
      provenance: mergeProvenance(r.name, {
        sourceName: r.source_name,
        licence: r.licence,
        citation: r.citation,
        unit: r.unit,
        label: r.label,
        axis: r.axis,
        target: r.target,
      }),
    }));
  }

  async readPoints(signalId: number, from: number, until: number): Promise<Array<{ ts: number; value: number | null }>> {
    const r = await this.pool.query<{ ts: number; value: number | null }>(
      'SELECT ts, value FROM points WHERE signal_id = $1 AND ts >= $2 AND ts < $3 ORDER BY ts',
      [signalId, from, until],
    );
    return r.rows;
  }

  async readRollup(signalId: number, resolution: RollupResolution, from: number, until: number): Promise<RollupRow[]> {
    const r = await this.pool.query<RollupRow>(
      `SELECT ts, min, mean, max, n FROM ${ROLLUP_TABLE[resolution]} WHERE signal_id = $1 AND ts >= $2 AND ts < $3 ORDER BY ts`,
      [signalId, from, until],
    );
    return r.rows;
  }

  async readSeries(signalId: number, resolution: Resolution, from: number, until: number): Promise<SeriesColumns> {
    const out: SeriesColumns = { ts: [], lo: [], hi: [], mean: [] };
    const sql =
      resolution === 'raw'
        ? 'SELECT ts, value AS lo, value AS hi, value AS mean FROM points WHERE signal_id = $1 AND ts >= $2 AND ts < $3 ORDER BY ts'
        : `SELECT ts, min AS lo, max AS hi, mean FROM ${ROLLUP_TABLE[resolution]} WHERE signal_id = $1 AND ts >= $2 AND ts < $3 ORDER BY ts`;
    const r = await this.pool.query<{ ts: number; lo: number | null; hi: number | null; mean: number | null }>({
      text: sql,
      values: [signalId, from, until],
    });
    for (const row of r.rows) {
      out.ts.push(row.ts);
      out.lo.push(row.lo);
      out.hi.push(row.hi);
      out.mean.push(row.mean);
    }
    return out;
  }

  async signalExtent(signalId: number): Promise<{ first: number | null; last: number | null }> {
    const r = await this.pool.query<{ first: number | null; last: number | null }>(
      'SELECT (SELECT ts FROM points WHERE signal_id = $1 ORDER BY ts LIMIT 1) AS first, (SELECT ts FROM points WHERE signal_id = $1 ORDER BY ts DESC LIMIT 1) AS last',
      [signalId],
    );
    return r.rows[0] ?? { first: null, last: null };
  }

  async listSourceEvents(filter: SourceEventFilter = {}): Promise<SourceEventRow[]> {
    const where: string[] = [];
    const args: Array<string | number> = [];
    const arg = (v: string | number) => {
      args.push(v);
      return `$${args.length}`;
    };
    if (filter.entity) {
      const e = parseEntity(filter.entity);
      where.push(`e.type = ${arg(e.type)} AND e.code = ${arg(e.code)}`);
    }
    if (filter.source) where.push(`se.source = ${arg(filter.source)}`);
    if (filter.until !== undefined) where.push(`se.start_ts < ${arg(filter.until)}`);
    if (filter.from !== undefined) where.push(`coalesce(se.end_ts, se.start_ts) >= ${arg(filter.from)}`);
    type Row = {
      id: number;
      source: string;
      external_id: string;
      type: string | null;
      code: string | null;
      start_ts: number;
      end_ts: number | null;
      kind: string | null;
      title: string | null;
      description: string | null;
      score: number | null;
      url: string | null;
      raw: unknown;
      fetched_at: number;
    };
    const r = await this.pool.query<Row>(
      `SELECT se.id, se.source, se.external_id, e.type, e.code, se.start_ts, se.end_ts, se.kind, se.title, se.description, se.score, se.url, se.raw, se.fetched_at
       FROM source_events se LEFT JOIN entities e ON e.id = se.entity_id ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY se.start_ts, se.id`,
      args,
    );
    return r.rows.map((x) => ({
      id: x.id,
      source: x.source,
      externalId: x.external_id,
      entity: x.type ? `${x.type}:${x.code}` : null,
      start: x.start_ts,
      end: x.end_ts,
      kind: x.kind,
      title: x.title,
      description: x.description,
      score: x.score,
      url: x.url,
      raw: x.raw,
      fetchedAt: x.fetched_at,
    }));
  }

  async checkpoints(filter: CheckpointFilter = {}): Promise<CheckpointRow[]> {
    const where: string[] = [];
    const args: string[] = [];
    for (const [col, v] of [
      ['collector', filter.collector],
      ['entity', filter.entity],
      ['signal', filter.signal],
    ] as const) {
      if (v !== undefined) {
        args.push(v);
        where.push(`${col} = $${args.length}`);
      }
    }
    type Row = {
      collector: string;
      entity: string;
      signal: string;
      from_ts: number;
      until_ts: number;
      status: 'ok' | 'no-data';
      updated_at: number;
    };
    const r = await this.pool.query<Row>(
      `SELECT * FROM checkpoints ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY collector COLLATE "C", entity COLLATE "C", signal COLLATE "C", from_ts`,
      args,
    );
    return r.rows.map((x) => ({
      collector: x.collector,
      entity: x.entity,
      signal: x.signal,
      from: x.from_ts,
      until: x.until_ts,
      status: x.status,
      updatedAt: x.updated_at,
    }));
  }

  async uncovered(collector: string, entity: string, signal: string, from: number, until: number): Promise<Array<[number, number]>> {
    const r = await this.pool.query<{ from_ts: number; until_ts: number }>(
      'SELECT from_ts, until_ts FROM checkpoints WHERE collector = $1 AND entity = $2 AND signal = $3 AND from_ts < $4 AND until_ts > $5 ORDER BY from_ts',
      [collector, formatEntity(parseEntity(entity)), signal, until, from],
    );
    const out: Array<[number, number]> = [];
    let cur = from;
    for (const c of r.rows) {
      if (c.from_ts > cur) out.push([cur, Math.min(c.from_ts, until)]);
      cur = Math.max(cur, c.until_ts);
      if (cur >= until) break;
    }
    if (cur < until) out.push([cur, until]);
    return out;
  }

  async startRun(job: string, collector: string | null = null, details?: unknown): Promise<number> {
    const r = await this.pool.query<{ id: number }>(
      "INSERT INTO runs (job, collector, started_at, status, details, owner_host, owner_pid, owner_started) VALUES ($1, $2, $3, 'running', $4, $5, $6, $7) RETURNING id",
      [job, collector, now(), details === undefined ? null : jsonb(details), this.owner.host, this.owner.pid, this.owner.started],
    );
    return r.rows[0]!.id;
  }

  async finishRun(id: number, f: RunFinish): Promise<void> {
    await this.pool.query(
      'UPDATE runs SET finished_at = $1, status = $2, rows = $3, windows_ok = $4, windows_failed = $5, error = $6, details = coalesce($7, details) WHERE id = $8',
      [
        now(),
        f.status,
        f.rows ?? 0,
        f.windowsOk ?? 0,
        f.windowsFailed ?? 0,
        f.error ?? null,
        f.details === undefined ? null : jsonb(f.details),
        id,
      ],
    );
  }

  async markInterruptedRuns(
    ownerGone: (owner: RunOwner | null) => boolean = () => true,
    reason = 'the process that ran it ended before the run finished',
  ): Promise<number> {
    const running = await this.pool.query<{
      id: number;
      owner_host: string | null;
      owner_pid: number | null;
      owner_started: number | null;
    }>("SELECT id, owner_host, owner_pid, owner_started FROM runs WHERE status = 'running'");
    const gone = running.rows
      .filter((r) =>
        ownerGone(
          r.owner_host === null || r.owner_pid === null ? null : { host: r.owner_host, pid: r.owner_pid, started: r.owner_started ?? 0 },
        ),
      )
      .map((r) => r.id);
    if (gone.length === 0) return 0;
    const r = await this.pool.query(
      "UPDATE runs SET status = 'interrupted', finished_at = $1, error = coalesce(error, $2) WHERE id = ANY($3::bigint[]) AND status = 'running'",
      [now(), reason, gone],
    );
    return r.rowCount ?? 0;
  }

  async recentRuns(filter: { job?: string; collector?: string; limit?: number } = {}): Promise<RunRow[]> {
    const where: string[] = [];
    const args: Array<string | number> = [];
    if (filter.job) {
      args.push(filter.job);
      where.push(`job = $${args.length}`);
    }
    if (filter.collector) {
      args.push(filter.collector);
      where.push(`collector = $${args.length}`);
    }
    args.push(Math.max(1, Math.min(1000, filter.limit ?? 20)));
    const r = await this.pool.query<RunDbRow<unknown>>(
      `SELECT * FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at DESC, id DESC LIMIT $${args.length}`,
      args,
    );
    return r.rows.map(runFromRow);
  }

  async getRun(id: number): Promise<RunRow | null> {
    const r = await this.pool.query<RunDbRow<unknown>>('SELECT * FROM runs WHERE id = $1', [id]);
    return r.rows[0] ? runFromRow(r.rows[0]) : null;
  }

  async getMeta(key: string): Promise<string | null> {
    const r = await this.pool.query<{ value: string }>('SELECT value FROM meta WHERE key = $1', [key]);
    return r.rows[0]?.value ?? null;
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.pool.query('INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [
      key,
      value,
    ]);
  }

  /** Leases on collection windows (several collectors on this database split the windows): db/postgres/leases.ts. */
  windowLeases(ttlSeconds?: number): WindowLeases {
    return new PgWindowLeases(this.pool, this.owner, ttlSeconds);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
