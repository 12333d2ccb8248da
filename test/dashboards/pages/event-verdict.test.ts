import request from 'supertest';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertEvent } from '../../../db/calendar.js';
import { parseSeed, readSeedText } from '../../../services/calendar/seed.js';
import { iranStore } from '../../services/detector/iran-store.js';
import { fixtureApp } from '../api/fixture.js';

/** The event page on the REAL Monash series of Iran (Nov 2019): national onset, counties collapsed, credited chart. */
describe('/events/ir-2019-11-15-fuel-protests', () => {
  let t: Awaited<ReturnType<typeof iranStore>>;
  let app: Express;
  beforeAll(async () => {
    t = await iranStore();
    upsertEvent(
      t.store.db,
      parseSeed(readSeedText()).find((e) => e.id === 'ir-2019-11-15-fuel-protests')!,
      0,
    );
    app = fixtureApp(t);
  });
  afterAll(() => t.cleanup());

  it('gives the national onset on 16 Nov (not the Behbahan dip of 13 Nov), counties collapsed, the chart credited to the Monash IP Observatory', async () => {
    const res = await request(app).get('/events/ir-2019-11-15-fuel-protests').expect(200);
    const onset = /<dd class="onset">([^<]*)/.exec(res.text)![1]!;
    expect(onset).toMatch(/^at 1[6-8]:30 UTC on 16 Nov 2019 \(hourly data\), 1 d 2\d h after the event start on country:IR/);
    expect(res.text).toMatch(/<dd class="subnational-summary">regional: \d+ of 73 counties/);
    // county rows only inside the collapsed block
    const details = res.text.indexOf('<details class="subnational">');
    expect(details).toBeGreaterThan(0);
    expect(res.text.slice(0, details)).not.toContain('county:ir-behbahan');
    expect(res.text.slice(details)).toContain('county:ir-behbahan');
    // losses in words, no raw scores
    expect(res.text).toMatch(/lost 9\d % of normal for 82 h/);
    expect(res.text).not.toMatch(/\d\.\d+e\+\d/);
    // coverage names the source the verdict rests on; the chart is titled by label, unit and source, marked REAL
    expect(res.text).toContain('<strong>Monash IP Observatory</strong>');
    expect(res.text).toMatch(/Connectivity index \(index 0–100\) — Monash IP Observatory <span class="real badge-real"/);
  });
});
