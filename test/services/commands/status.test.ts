import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../../services/cli.js';
import { SqliteStore } from '../../../db/store.js';
import { tempDir, capture } from '../../helpers.js';
import { OFFLINE_SOURCES_ENV } from '../../offline-env.js';

describe('outagewatch status', () => {
  let t: ReturnType<typeof tempDir>;
  afterEach(() => t?.cleanup());

  it('says degraded, and why, when a collector\'s latest run failed (the same facts as /api/health)', async () => {
    t = tempDir();
    const db = join(t.dir, 's.db');
    const s = SqliteStore.open(db);
    const id = s.startRun('collect:ioda', 'ioda');
    s.finishRun(id, { status: 'failed', error: 'http://127.0.0.1:9/ioda: network error ECONNREFUSED' });
    s.close();
    const saved = { ...process.env };
    Object.assign(process.env, OFFLINE_SOURCES_ENV);
    try {
      const json = capture();
      expect(await main(['status', '--json', '--db', db], json.io)).toBe(0);
      const doc = JSON.parse(json.out) as { status: string; reasons: string[] };
      expect(doc.status).toBe('degraded');
      expect(doc.reasons.join('\n')).toContain('collector ioda');
      const text = capture();
      expect(await main(['status', '--db', db], text.io)).toBe(0);
      expect(text.out).toMatch(/^status degraded\n {2}- collector ioda: latest run failed/);
    } finally {
      process.env = saved;
    }
  });
});
