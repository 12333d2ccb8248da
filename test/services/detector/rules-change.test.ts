import { afterEach, describe, expect, it } from 'vitest';
import { listOutages } from '../../../db/outages.js';
import type { SqliteStore } from '../../../db/store.js';
import { configSchema } from '../../../services/program-config.js';
import { detectorConfigFrom, rulesHash } from '../../../services/detector/config.js';
import { detectAndStore } from '../../../services/detector/run.js';
import { tsAt } from '../../../services/detector/series.js';
import { tempStore } from '../../helpers.js';
import { traffic } from './traffic.js';

// SYNTHETIC, standing for an hourly connectivity index of a country (as `ingest csv` brings Monash's) over 60
// days with two shutdowns of six hours (to 5 %), on days 20 and 45
const series = traffic({ seed: 21, days: 60, step: 3600, noise: 0.03 });
for (const day of [20, 45]) series.values.fill(50, day * 24 + 8, day * 24 + 14);
const points = Array.from(series.values, (v, i) => [tsAt(series, i), Number.isNaN(v) ? null : v] as const);
const last = points.at(-1)![0];

function load(store: SqliteStore) {
  store.writeWindow({
    collector: 'test',
    entity: 'country:IR',
    from: points[0]![0],
    until: last + 3600,
    series: [{ signal: { name: 'custom.connectivity', step: 3600 }, points }],
  });
}

const rows = (store: SqliteStore) =>
  listOutages(store.db, { entity: 'country:IR' }).map((o) => ({
    id: o.id,
    start: o.start,
    end: o.end,
    severity: o.severity,
    score: o.score,
  }));
const detectedAt = (store: SqliteStore, start: number) =>
  store.db.prepare('SELECT detected_at FROM outages WHERE start = ?').pluck().get(start);
const shape = (store: SqliteStore) => rows(store).map(({ id: _id, ...rest }) => rest);

describe('detection after a collection: a window while the rules hold, everything when they changed', () => {
  const temps: Array<ReturnType<typeof tempStore>> = [];
  afterEach(() => {
    for (const t of temps.splice(0)) t.cleanup();
  });
  const fresh = () => {
    const t = tempStore();
    temps.push(t);
    load(t.store);
    return t.store;
  };

  it('the rules hash changes with a signal rule, OONI or degradation settings, not with alert settings or the watch list', () => {
    const base = detectorConfigFrom(configSchema.parse({}));
    const h = rulesHash(['custom.connectivity'], base);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(
      rulesHash(
        ['custom.connectivity'],
        detectorConfigFrom(configSchema.parse({ detector: { alerts: { maxAge: '5d' }, watch: ['country:IR'] } })),
      ),
    ).toBe(h);
    expect(
      rulesHash(
        ['custom.connectivity'],
        detectorConfigFrom(configSchema.parse({ detector: { signals: { 'custom.*': { warning: 0.6 } } } })),
      ),
    ).not.toBe(h);
    expect(
      rulesHash(['custom.connectivity'], detectorConfigFrom(configSchema.parse({ detector: { degradation: { below: 0.7 } } }))),
    ).not.toBe(h);
    // another signal's rule is not this entity's business
    expect(
      rulesHash(
        ['custom.connectivity'],
        detectorConfigFrom(configSchema.parse({ detector: { signals: { 'ioda.bgp': { warning: 0.9 } } } })),
      ),
    ).toBe(h);
  });

  it('keeps the outages outside a new window while the rules hold, and re-detects from the start when they changed — as a full run with the new rules would', async () => {
    const store = fresh();
    const before = configSchema.parse({});
    const full = await detectAndStore(store, { config: before, now: last });
    expect(full.outages.map((o) => Math.floor((o.start - series.start) / 86400))).toEqual([20, 45]);
    const stored = rows(store);
    // a collection brought the last two days: only they are detected, the shutdown's row is untouched
    const windowRun = await detectAndStore(store, {
      entity: 'country:IR',
      from: last - 2 * 86400,
      until: last + 3600,
      config: before,
      now: last + 60,
    });
    expect(windowRun.rerun).toEqual([]);
    const earlier = stored.filter((o) => o.end < last - 2 * 86400);
    expect(earlier.length).toBeGreaterThan(0);
    for (const o of earlier) {
      expect(rows(store).find((r) => r.id === o.id)).toEqual(o);
      expect(detectedAt(store, o.start)).toBe(last);
    }

    // the user changed the rule: the next window's detection redoes everything
    const after = configSchema.parse({ detector: { signals: { 'custom.*': { warning: 0.5, critical: 0.3, minDuration: '7h' } } } });
    const rerun = await detectAndStore(store, {
      entity: 'country:IR',
      from: last - 2 * 86400,
      until: last + 3600,
      config: after,
      now: last + 120,
    });
    expect(rerun.rerun).toEqual(['country:IR']);
    // every stored outage was detected again, those long before the window too: under the new rules (seven hours
    // at least) neither six-hour shutdown is an outage any more
    expect(
      store.db
        .prepare('SELECT count(*) FROM outages WHERE detected_at < ?')
        .pluck()
        .get(last + 120),
    ).toBe(0);
    expect(shape(store)).toEqual([]);
    const reference = fresh();
    await detectAndStore(reference, { config: after, now: last });
    expect(shape(store)).toEqual(shape(reference));
    expect(shape(store)).not.toEqual(stored.map(({ id: _id, ...rest }) => rest));

    // and with the new rules recorded, the next window is a window again
    expect(
      (await detectAndStore(store, { entity: 'country:IR', from: last - 86400, until: last + 3600, config: after, now: last })).rerun,
    ).toEqual([]);
  });
});
