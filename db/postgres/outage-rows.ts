import type pg from 'pg';
import type { Outage } from '../../core/outage.js';
import { lostFromSignals, outageFromDbRow, type OutageDbRow } from '../outages.js';

/** What the outage repository and the detection repository of PostgreSQL share: a transaction, outage rows. */

export async function transaction<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    try {
      const r = await fn(client);
      await client.query('COMMIT');
      return r;
    } catch (err) {
      await client.query('ROLLBACK');
      throw err;
    }
  } finally {
    client.release();
  }
}

export type OutageRow = OutageDbRow<boolean>;

export const OUTAGE_SELECT = `SELECT o.id, e.type, e.code, e.country, o.start, o."end" AS end, o.kind, o.severity, o.score, o.signals, o.targets, o.evidence,
  o.open, o.lost_percent, o.hours, o.synthetic FROM outages o JOIN entities e ON e.id = o.entity_id`;

export const outageFromRow = (r: OutageRow): Outage => outageFromDbRow(r, (b) => b);

/** Inserts outages of one entity (multi-row), returning them with their ids in input order. */
export async function insertOutageRows(
  c: pg.PoolClient,
  entityId: number,
  parent: string | null,
  key: string,
  outages: readonly Outage[],
  detectedAt: number,
): Promise<Outage[]> {
  if (outages.length === 0) return [];
  const rows = outages.map((o) => {
    const lostPercent = o.lostPercent !== undefined ? o.lostPercent : lostFromSignals(o.signals);
    const hours = o.hours ?? Math.round(((o.end - o.start) / 3600) * 100) / 100;
    return { o, lostPercent, hours, synthetic: o.synthetic ?? false };
  });
  const ins = await c.query<{ id: number }>(
    `INSERT INTO outages (entity_id, start, "end", kind, severity, score, signals, targets, evidence, detected_at, open, lost_percent, hours, synthetic)
     SELECT $1, s, en, k, sv, sc, sg, tg, ev, $2, op, lp, h, sy
     FROM unnest($3::int8[], $4::int8[], $5::text[], $6::text[], $7::float8[], $8::text[], $9::text[], $10::text[], $11::bool[], $12::float8[], $13::float8[], $14::bool[])
       WITH ORDINALITY AS u(s, en, k, sv, sc, sg, tg, ev, op, lp, h, sy, i)
     ORDER BY i RETURNING id`,
    [
      entityId,
      detectedAt,
      rows.map((x) => x.o.start),
      rows.map((x) => x.o.end),
      rows.map((x) => x.o.kind),
      rows.map((x) => x.o.severity),
      rows.map((x) => x.o.score),
      rows.map((x) => JSON.stringify(x.o.signals)),
      rows.map((x) => JSON.stringify(x.o.targets)),
      rows.map((x) => JSON.stringify(x.o.evidence)),
      rows.map((x) => x.o.open ?? false),
      rows.map((x) => x.lostPercent),
      rows.map((x) => x.hours),
      rows.map((x) => x.synthetic),
    ],
  );
  // identity values are taken in the order the rows are inserted (ORDER BY i): ascending ids in input order
  const ids = ins.rows.map((x) => x.id).sort((a, b) => a - b);
  return rows.map((x, i) => ({
    ...x.o,
    entity: key,
    parent,
    lostPercent: x.lostPercent,
    hours: x.hours,
    synthetic: x.synthetic,
    id: ids[i]!,
  }));
}
