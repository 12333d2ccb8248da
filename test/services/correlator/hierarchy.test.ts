import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { majorityOnset, verdictFor, type Episode } from '../../../services/correlator/episodes.js';
import { normalizeScope } from '../../../services/correlator/model.js';

const H = 3600;
const T0 = Date.parse('2019-11-16T00:00:00Z') / 1000;
const ep = (entity: string, start: number, hours: number, depth = 0.5, step = H): Episode => ({
  id: null,
  entity,
  kind: 'connectivity',
  start,
  end: start + hours * H,
  score: 1,
  depth,
  signals: ['custom.connectivity'],
  origin: 'detected',
  scope: entity.startsWith('country:')
    ? 'national'
    : entity.startsWith('county:')
      ? 'local'
      : entity.startsWith('asn:')
        ? 'asn'
        : 'regional',
  area: entity.split(':')[1]!,
  firstSignal: 'custom.connectivity',
  step,
});
const data = { connectivity: true, services: false };

describe('verdict hierarchy', () => {
  it('county blips alone: regional-outage, no national onset, a one-line summary', () => {
    const v = verdictFor([ep('county:ir-behbahan', T0 - 60 * H, 11, 0.4), ep('county:ir-sirjan', T0 - 48 * H, 5, 0.5)], data, {
      eventStart: T0,
      country: 'IR',
      units: { county: 73 },
    });
    expect(v).toMatchObject({ connectivity: 'normal', label: 'regional-outage', onset: null, depth: null });
    expect(v.subnational).toHaveLength(2);
    expect(v.subnationalSummary).toBe('regional: 2 of 73 counties, 13–14 Nov; largest: ir-sirjan, 50 %');
  });

  it('a country-level episode sets the onset even when county episodes began earlier', () => {
    const v = verdictFor([ep('county:ir-behbahan', T0 - 60 * H, 11, 0.4), ep('country:IR', T0 + 17.5 * H, 80, 0.97)], data, {
      eventStart: T0 - 24 * H,
      country: 'IR',
      units: { county: 73 },
    });
    expect(v.label).toBe('connectivity-outage');
    expect(v.onset).toMatchObject({
      time: '2019-11-16T17:30:00Z',
      seconds: 41.5 * H,
      entity: 'country:IR',
      precision: 'hour',
      basis: 'national',
    });
    expect(v.depth).toBe(0.97);
  });

  it('most of the units down at once make a national picture, with the onset when the majority is reached', () => {
    const eps = [0, 1, 2, 3, 4, 5].map((i) => ep(`county:c${i}`, T0 + i * H, 48, 0.9, 300));
    const v = verdictFor(eps, data, { eventStart: T0, country: 'XX', units: { county: 10 } });
    expect(v.connectivity).toBe('outage');
    // the 6th of 10 units goes down at T0 + 5 h
    expect(v.onset).toMatchObject({ seconds: 5 * H, entity: 'country:XX', basis: 'subnational-majority', precision: 'minute' });
    // four of ten is not a national picture
    expect(verdictFor(eps.slice(0, 4), data, { units: { county: 10 } }).connectivity).toBe('normal');
    // ASes never make one
    expect(
      majorityOnset(
        [0, 1, 2, 3, 4, 5].map((i) => ep(`asn:${i}`, T0, 5)),
        { asn: 6 },
      ),
    ).toBeNull();
  });

  it('property: sub-national episodes covering at most half of the units never give a national outage or onset', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 5, max: 80 }),
        fc.array(fc.record({ unit: fc.nat(1000), start: fc.integer({ min: 0, max: 500 }), hours: fc.integer({ min: 1, max: 100 }) }), {
          maxLength: 60,
        }),
        (total, raw) => {
          const allowed = Math.floor(total / 2);
          const eps = raw.map((r) => ep(`county:u${r.unit % allowed}`, T0 + r.start * H, r.hours));
          const v = verdictFor(eps, data, { units: { county: total } });
          return v.connectivity === 'normal' && v.onset === null && v.label === (eps.length ? 'regional-outage' : 'nothing-unusual');
        },
      ),
      { seed: 16, numRuns: 200 },
    );
  });
});

describe('normalizeScope', () => {
  it.each([
    ['country', 'national'],
    ['Country (IR)', 'national'],
    ['region', 'regional'],
    ['AS', 'asn'],
    ['Level  2', 'regional'],
    ['level 3', 'national'],
    ['Level 1', 'local'],
    ['multi-regional', 'national'],
    ['It affected locations in more than one state, province, or region', 'national'],
    ['local', 'local'],
    ['not sure', 'unknown'],
    [null, 'unknown'],
    ['national', 'national'],
  ])('%s → %s', (raw, want) => expect(normalizeScope(raw)).toBe(want));
});
