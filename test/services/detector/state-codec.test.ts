import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Episode } from '../../../services/detector/drops.js';
import { decodeEpisode, encodeEpisode } from '../../../services/detector/state-codec.js';

// The final episodes a detection stores (thousands on a first run over years of data) are read back by the next
// detection after a collection, which must give the outages a run over all the data gives: an episode must come
// back exactly as a JSON round trip of it would (every value, which keys are present, their order).
const roundTrip = (e: Episode): Episode => JSON.parse(JSON.stringify(e)) as Episode;
const num = fc.oneof(fc.double({ noNaN: true }), fc.constant(Number.NaN), fc.constant(-0), fc.integer());

const usual = fc.record({
  signal: fc.constantFrom('ioda.bgp', 'ioda.gtr:YOUTUBE', 'x.y:"q"'),
  class: fc.constantFrom('connectivity', 'service') as fc.Arbitrary<Episode['class']>,
  target: fc.option(fc.string(), { nil: null }),
  start: fc.integer({ min: -1e10, max: 1e10 }),
  end: fc.integer({ min: -1e10, max: 1e10 }),
  severity: fc.constantFrom('warning', 'critical') as fc.Arbitrary<Episode['severity']>,
  depth: num,
  score: num,
  lost: fc.option(num, { nil: null }),
  open: fc.boolean(),
});

describe('stored episodes', () => {
  it('come back as a JSON round trip of them, the usual shape written compactly (seeded property)', () => {
    fc.assert(
      fc.property(usual, (e) => {
        const row = encodeEpisode(e);
        expect(row.episode.startsWith('[')).toBe(true);
        const back = decodeEpisode(row);
        expect(back).toStrictEqual(roundTrip(e));
        expect(Object.keys(back)).toEqual(Object.keys(e));
      }),
      { seed: 2112, numRuns: 500 },
    );
  });

  it('any other shape (rates, a missing loss, other key order) is stored whole and comes back the same', () => {
    fc.assert(
      fc.property(usual, fc.double({ min: 0, max: 1, noNaN: true }), (e, rate) => {
        const withRate: Episode = { ...e, rate, normalRate: null };
        const noLost: Episode = { ...e };
        delete noLost.lost;
        const { open, ...rest } = e;
        const reordered = { open, ...rest } as Episode;
        for (const x of [withRate, noLost]) {
          const row = encodeEpisode(x);
          expect(row.episode.startsWith('{')).toBe(true);
          expect(decodeEpisode(row)).toStrictEqual(roundTrip(x));
        }
        expect(Object.keys(decodeEpisode(encodeEpisode(reordered)))).toEqual(Object.keys(reordered));
      }),
      { seed: 2112, numRuns: 200 },
    );
  });

  it('reads episodes stored before the compact form (whole JSON objects)', () => {
    const e: Episode = {
      signal: 'ioda.bgp',
      class: 'connectivity',
      target: null,
      start: 100,
      end: 700,
      severity: 'critical',
      depth: 0.9,
      score: 81,
      lost: 0.8,
      open: false,
    };
    expect(decodeEpisode({ signal: e.signal, start: e.start, end: e.end, episode: JSON.stringify(e) })).toStrictEqual(e);
    expect(encodeEpisode(e).episode).toBe('["connectivity",null,"critical",0.9,81,0.8,false]');
  });
});
