import { configSchema } from '../../../services/program-config.js';
import { MONASH_IRAN_OPTIONS } from '../../../services/demo/iran.js';
import { detectAndStore } from '../../../services/detector/run.js';
import { ingestCsv } from '../../../services/ingest/csv.js';
import { tempStore } from '../../helpers.js';
import { MONASH_CSV } from './monash.js';

/**
 * The real Monash county file as the demo loads it, plus one synthetic series with a drop (for the SYNTHETIC marker),
 * detected (unless `detect: false`).
 */
export async function iranStore(opts: { detect?: boolean } = {}) {
  const t = tempStore();
  const r = await ingestCsv(t.store, MONASH_CSV, MONASH_IRAN_OPTIONS);
  if (r.rejected.length) throw new Error('Monash rows rejected');
  const from = Date.UTC(2022, 0, 1) / 1000;
  const pts: Array<[number, number | null]> = [];
  for (let h = 0; h < 96; h++) pts.push([from + h * 3600, h >= 60 && h < 66 ? 10 : 100]);
  t.store.writeWindow({
    collector: 'demo',
    entity: 'country:KZ',
    from,
    until: from + 96 * 3600,
    series: [{ signal: { name: 'custom.connectivity', step: 3600, synthetic: true }, points: pts }],
  });
  if (opts.detect !== false) await detectAndStore(t.store, { config: configSchema.parse({}) });
  return t;
}
