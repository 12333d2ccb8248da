import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../db/store.js';
import { seededRandom, tempDir } from '../helpers.js';

const child = join(import.meta.dirname, 'child', 'crash-writer.ts');

function runAndKill(dbPath: string, seed: number, killAfterMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', child, dbPath, String(seed)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.stdout.once('data', () => setTimeout(() => p.kill('SIGKILL'), killAfterMs));
    p.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`writer exited ${code}: ${stderr}`))));
  });
}

describe('crash safety', () => {
  const t = tempDir();
  afterAll(() => t.cleanup());

  it('survives SIGKILL at five seeded moments: integrity ok, checkpoints match points, rollups match a recomputation', async () => {
    const path = join(t.dir, 'crash.db');
    SqliteStore.open(path).close();
    const rand = seededRandom(20160521);
    for (let i = 0; i < 5; i++) await runAndKill(path, i + 1, 150 + Math.floor(rand() * 600));

    const store = SqliteStore.open(path);
    try {
      const db = store.db;
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const cps = store.checkpoints({ collector: 'crash' });
      expect(cps.length).toBeGreaterThan(0);
      // every checkpoint covers exactly the points present: 288 per day per signal inside, none outside
      for (const sig of store.listSignals('country:KZ')) {
        const mine = cps.filter((c) => c.signal === sig.name);
        expect(mine).toHaveLength(1); // windows were contiguous, so intervals merged into one
        const c = mine[0]!;
        const inside = (
          db.prepare('SELECT count(*) AS n FROM points WHERE signal_id = ? AND ts >= ? AND ts < ?').get(sig.id, c.from, c.until) as {
            n: number;
          }
        ).n;
        const all = (db.prepare('SELECT count(*) AS n FROM points WHERE signal_id = ?').get(sig.id) as { n: number }).n;
        expect(inside).toBe((c.until - c.from) / 300);
        expect(all).toBe(inside);
      }
      const mismatchHourly = db
        .prepare(
          `SELECT count(*) AS n FROM (SELECT signal_id, (ts/3600)*3600 AS h, min(value) AS mn, max(value) AS mx, count(value) AS c, sum(value) AS s FROM points GROUP BY signal_id, h) r
           LEFT JOIN points_hourly p ON p.signal_id = r.signal_id AND p.ts = r.h
           WHERE p.ts IS NULL OR p.n != r.c OR p.min IS NOT r.mn OR p.max IS NOT r.mx OR abs(coalesce(p.sum, 0) - coalesce(r.s, 0)) > 1e-6`,
        )
        .get() as { n: number };
      expect(mismatchHourly.n).toBe(0);
      const mismatchDaily = db
        .prepare(
          `SELECT count(*) AS n FROM (SELECT signal_id, (ts/86400)*86400 AS d, min(value) AS mn, max(value) AS mx, count(value) AS c FROM points GROUP BY signal_id, d) r
           LEFT JOIN points_daily p ON p.signal_id = r.signal_id AND p.ts = r.d
           WHERE p.ts IS NULL OR p.n != r.c OR p.min IS NOT r.mn OR p.max IS NOT r.mx`,
        )
        .get() as { n: number };
      expect(mismatchDaily.n).toBe(0);
      const extraRollups = db
        .prepare(
          'SELECT count(*) AS n FROM points_hourly h WHERE NOT EXISTS (SELECT 1 FROM points p WHERE p.signal_id = h.signal_id AND p.ts >= h.ts AND p.ts < h.ts + 3600)',
        )
        .get() as { n: number };
      expect(extraRollups.n).toBe(0);
    } finally {
      store.close();
    }
  }, 60_000);
});
