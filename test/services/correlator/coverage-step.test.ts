import { sqliteRepositories } from '../../../db/sqlite-repositories.js';
import { afterEach, describe, expect, it } from 'vitest';
import { upsertEvent } from '../../../db/calendar.js';
import { correlateEvent } from '../../../services/correlator/assemble.js';
import { tempStore } from '../../helpers.js';

describe('coverage of daily series', () => {
  let t: ReturnType<typeof tempStore>;
  afterEach(() => t?.cleanup());

  it('a daily OONI count speaks for its whole day, so a window full of daily points has full coverage', async () => {
    t = tempStore();
    const start = Date.UTC(2016, 4, 20, 18) / 1000; // 21 May 2016 00:00 Almaty
    upsertEvent(
      t.store.db,
      {
        id: 'kz-test',
        title: 'Test',
        country: 'KZ',
        places: [],
        start,
        end: start + 86400,
        tz: 'Asia/Almaty',
        allDay: true,
        kind: 'protest',
        sources: ['https://example.org'],
        notes: null,
        tags: [],
        origin: 'manual',
        originFile: null,
        originLine: null,
      },
      1_700_000_000,
    );
    const day0 = Date.UTC(2016, 4, 15) / 1000;
    const pts = Array.from({ length: 12 }, (_, i) => [day0 + i * 86400, 40] as const);
    t.store.writeWindow({
      collector: 'ooni',
      entity: 'country:KZ',
      from: day0,
      until: day0 + 12 * 86400,
      series: [{ signal: { name: 'ooni.measurement_count:facebook.com', step: 86400 }, points: pts }],
    });
    const ooni = (await correlateEvent(sqliteRepositories(t.store), 'kz-test')).coverage.find((c) => c.source === 'ooni')!;
    expect(ooni.hadData).toBe(true);
    expect(ooni.fraction).toBe(1);
  });
});
