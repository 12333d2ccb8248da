import type pg from 'pg';

/**
 * Time partitions of `points` (one per UTC month) and `points_hourly` (one per UTC year), created on demand for
 * exactly the periods a write touches. Creation runs in its own short transaction under an advisory lock (so
 * concurrent writers create each partition once) before the window's transaction, so the window itself holds no
 * DDL lock; a partition left empty by a failed window is harmless.
 */

export type Period = 'month' | 'year';

export const PARTITIONED: Readonly<Record<string, Period>> = { points: 'month', points_hourly: 'year' };

/** The advisory lock key of partition creation (`ow` + `part`). */
export const PARTITION_LOCK = 0x6f77_7061_7274;

export interface PartitionSpec {
  table: string;
  name: string;
  from: number;
  until: number;
}

/** The partition of `table` holding time `ts` (Unix seconds). */
export function partitionFor(table: string, ts: number): PartitionSpec {
  const period = PARTITIONED[table];
  if (!period) throw new Error(`${table} is not partitioned`);
  const d = new Date(ts * 1000);
  const y = d.getUTCFullYear();
  if (!(y >= 1000 && y <= 9999)) throw new Error(`time ${ts} (year ${y}) is outside the years 1000-9999 the store partitions`);
  if (period === 'year') return { table, name: `${table}_y${y}`, from: Date.UTC(y, 0, 1) / 1000, until: Date.UTC(y + 1, 0, 1) / 1000 };
  const m = d.getUTCMonth();
  return {
    table,
    name: `${table}_p${y}${String(m + 1).padStart(2, '0')}`,
    from: Date.UTC(y, m, 1) / 1000,
    until: Date.UTC(y, m + 1, 1) / 1000,
  };
}

/** Every partition of `table` overlapping [lo, hi] (inclusive times). */
export function partitionsBetween(table: string, lo: number, hi: number): PartitionSpec[] {
  const out: PartitionSpec[] = [];
  for (let p = partitionFor(table, lo); ; p = partitionFor(table, p.until)) {
    out.push(p);
    if (p.until > hi) break;
  }
  return out;
}

/**
 * Makes sure the partitions exist; `known` caches names already seen (per store). Runs its own transaction:
 * call it outside any other.
 */
export async function ensurePartitions(client: pg.ClientBase, specs: readonly PartitionSpec[], known: Set<string>): Promise<number> {
  const missing = specs.filter((s) => !known.has(s.name));
  if (missing.length === 0) return 0;
  const names = missing.map((s) => s.name);
  const have = await client.query<{ relname: string }>(
    'SELECT relname FROM pg_class WHERE relname = ANY($1::text[]) AND relnamespace = current_schema()::regnamespace',
    [names],
  );
  for (const r of have.rows) known.add(r.relname);
  const todo = missing.filter((s) => !known.has(s.name));
  if (todo.length === 0) return 0;
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [PARTITION_LOCK]);
    for (const s of todo) {
      // names and bounds are computed here from numbers, never from input text
      await client.query(`CREATE TABLE IF NOT EXISTS ${s.name} PARTITION OF ${s.table} FOR VALUES FROM (${s.from}) TO (${s.until})`);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  }
  for (const s of todo) known.add(s.name);
  return todo.length;
}
