/**
 * The entity hierarchy on REAL data: the Monash IP Observatory's hourly county series for Iran, November 2019
 * (test/fixtures/monash, provenance in SOURCES.md), ingested as the demo does (one entity per county, the
 * country as their mean) and run through the detector. The national onset must be the nationwide blackout of
 * 16 November (16:30–18:30 UTC), not the Behbahan dip of 13 November nor the county blip of 11 November.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertEvent } from '../../../db/calendar.js';
import { parseSeed, readSeedText } from '../../../services/calendar/seed.js';
import { correlateEvent, correlateRange } from '../../../services/correlator/assemble.js';
import { MONASH_IRAN_OPTIONS } from '../../../services/demo/iran.js';
import { detectAndStore } from '../../../services/detector/run.js';
import { ingestCsv } from '../../../services/ingest/csv.js';
import { gatherReport } from '../../../services/report/gather.js';
import { reportCharts } from '../../../services/report/write.js';
import { sqliteRepositories } from '../../../db/sqlite-repositories.js';
import { tempStore } from '../../helpers.js';

const FILE = join(import.meta.dirname, '..', '..', 'fixtures', 'monash', 'monash-ipobs-iran-2019-11-counties.csv');
const t = (iso: string) => Date.parse(iso) / 1000;

describe('Iran, November 2019 (REAL Monash series): national onset from country-level evidence', () => {
  let env: ReturnType<typeof tempStore>;
  beforeAll(async () => {
    env = tempStore();
    const r = await ingestCsv(env.store, FILE, MONASH_IRAN_OPTIONS);
    expect(r.rejected).toEqual([]);
    const ev = parseSeed(readSeedText()).find((e) => e.id === 'ir-2019-11-15-fuel-protests')!;
    upsertEvent(env.store.db, ev, 0);
    await detectAndStore(env.store, {});
  });
  afterAll(() => env.cleanup());

  it('correlate --event: onset on 16 Nov between 16:30 and 18:30 UTC, on country:IR, at hour precision', async () => {
    const c = await correlateEvent(sqliteRepositories(env.store), 'ir-2019-11-15-fuel-protests', { B: 99 });
    expect(c.verdict.connectivity).toBe('outage');
    expect(c.verdict.label).toBe('connectivity-outage');
    const o = c.verdict.onset!;
    expect(o).not.toBeNull();
    expect(o.entity).toBe('country:IR');
    expect(o.basis).toBe('national');
    expect(o.precision).toBe('hour');
    expect(t(o.time)).toBeGreaterThanOrEqual(t('2019-11-16T16:30:00Z'));
    expect(t(o.time)).toBeLessThanOrEqual(t('2019-11-16T18:30:00Z'));
    expect(o.seconds).toBe(t(o.time) - t(c.event.start));
    // county episodes are listed as sub-national, each with its parent, and summarised
    expect(c.verdict.subnational.length).toBeGreaterThan(0);
    expect(c.verdict.subnational.every((s) => s.entity?.startsWith('county:') && s.scope === 'local')).toBe(true);
    expect(c.verdict.subnationalSummary).toMatch(/^regional: \d+ of 73 counties/);
    expect(c.outages.filter((x) => x.entity.startsWith('county:')).every((x) => x.parent === 'country:IR')).toBe(true);
    // the verdict rests on the Monash series: coverage credits it by its name, with its hours
    const monash = c.coverage.find((x) => x.name === 'Monash IP Observatory');
    // (the series ends on 20 Nov, before the 13-day window closes: under half of its hours, said as such)
    expect(monash!.hours).toBeGreaterThan(100);
    expect(monash!.signals).toEqual(['custom.connectivity']);
  });

  it('a country range: the onset is the 16 Nov blackout, not a county blip of 11 or 13 Nov', async () => {
    const r = await correlateRange(sqliteRepositories(env.store), 'IR', t('2019-11-11T00:00:00Z'), t('2019-11-21T00:00:00Z'));
    expect(r.verdict.onset).not.toBeNull();
    expect(r.verdict.onset!.time.slice(0, 10)).toBe('2019-11-16');
    expect(r.verdict.onset!.seconds).toBeNull();
  });

  it('report --country IR: begins on 16 Nov (not 11 Nov), credits the Monash IP Observatory, groups the counties', async () => {
    const r = await gatherReport(
      sqliteRepositories(env.store),
      { country: 'IR', from: t('2019-11-11T00:00:00Z'), until: t('2019-11-21T00:00:00Z'), B: 99 },
      { version: 'test', now: 0 },
    );
    const began = r.summary.find((p) => p.startsWith('It began'))!;
    expect(began).toMatch(/^It began at 1[6-8]:30 UTC on 16 Nov 2019 \(hourly data\)/);
    expect(r.summary.join(' ')).not.toMatch(/11 Nov 2019|2019-11-11T16:30/);
    expect(r.citation).toContain('data: Monash IP Observatory');
    expect(r.licences).toEqual([expect.objectContaining({ source: 'Monash IP Observatory', licence: 'GPL-3.0' })]);
    expect(r.coverage.find((c) => c.name === 'Monash IP Observatory')).toMatchObject({ hasData: true });
    // no raw scores in the text: depth in words
    expect(r.summary.join(' ')).toMatch(/lost \d+ % of normal for \d+ h/);
    expect(r.summary.join(' ')).not.toMatch(/e\+\d/);
    // one chart for the national series, titled by label, unit and source with a REAL badge
    const charts = reportCharts(r);
    expect(Object.keys(charts)).toEqual(['custom.connectivity']);
    expect(charts['custom.connectivity']).toContain('<title>Connectivity index (index 0–100) — Monash IP Observatory</title>');
    expect(charts['custom.connectivity']).toContain('>REAL<');
  });

  it('the days before the blackout, county blips only: a regional outage, no national onset', async () => {
    const r = await correlateRange(sqliteRepositories(env.store), 'IR', t('2019-11-11T00:00:00Z'), t('2019-11-15T00:00:00Z'));
    expect(r.verdict.connectivity).toBe('normal');
    expect(r.verdict.onset).toBeNull();
    if (r.verdict.subnational.length) expect(r.verdict.label).toBe('regional-outage');
  });
});
