import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoUtc } from '../../core/time.js';

// every time a user sees in JSON, alerts and reports goes through isoUtc: the arithmetic fast path must write what
// `Date#toISOString` writes (without the milliseconds) for any whole second, and fall back for anything else
const viaDate = (ts: number) => new Date(ts * 1000).toISOString().replace('.000Z', 'Z');

describe('isoUtc', () => {
  it('writes what Date writes for any whole second in years 0000–9999 (seeded property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -62167219200, max: 253402300799 }), (ts) => {
        expect(isoUtc(ts)).toBe(viaDate(ts));
      }),
      { seed: 2112, numRuns: 20000 },
    );
  });

  it('gets the edges of days, leap days, centuries and the range right', () => {
    for (const ts of [
      0,
      -1,
      86399,
      86400,
      Date.UTC(2000, 1, 29, 23, 59, 59) / 1000,
      Date.UTC(1900, 2, 1) / 1000 - 1,
      Date.UTC(2100, 1, 28, 12) / 1000,
      Date.UTC(2016, 4, 20, 18) / 1000,
      -62167219200,
      253402300799,
    ])
      expect(isoUtc(ts)).toBe(viaDate(ts));
    expect(isoUtc(Date.UTC(2016, 4, 20, 18) / 1000)).toBe('2016-05-20T18:00:00Z');
  });

  it('keeps milliseconds and years past 9999 as Date writes them', () => {
    expect(isoUtc(1.5)).toBe('1970-01-01T00:00:01.500Z');
    expect(isoUtc(253402300800)).toBe(viaDate(253402300800));
    expect(isoUtc(-62167219201)).toBe(viaDate(-62167219201));
  });
});
