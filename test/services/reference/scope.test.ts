import { describe, expect, it } from 'vitest';
import { normalizeScope } from '../../../services/reference/scope.js';

describe('one scope vocabulary', () => {
  it('STOP 2016–18 words, any case and spacing; multi-regional is national', () => {
    expect(
      ['National', 'Regional', 'Local', 'Multi-regional', 'multi regional', 'MULTIREGIONAL', ' national '].map(normalizeScope),
    ).toEqual(['national', 'regional', 'local', 'national', 'national', 'national', 'national']);
  });

  it("STOP 2019 levels, including the sheet's own `Level  2` with two spaces", () => {
    expect(['Level 1', 'Level  2', 'Level 3', 'level\t3', 'LEVEL-2'].map(normalizeScope)).toEqual([
      'local',
      'regional',
      'national',
      'national',
      'regional',
    ]);
  });

  it('STOP 2020– sentences, by what they say, and "Not sure"', () => {
    expect(normalizeScope('It affected locations in more than one state, province, or region')).toBe('national');
    expect(normalizeScope('It affected more than one city in the same state, province, or region')).toBe('regional');
    expect(normalizeScope('It only affected one city, county, or village')).toBe('local');
    expect(normalizeScope('it  ONLY affected one city,county, or village.')).toBe('local');
    expect(normalizeScope('Not sure')).toBe('unknown');
  });

  it("IODA's investigated list: Country, Region (…), AS (…)", () => {
    expect(normalizeScope('Country')).toBe('national');
    expect(normalizeScope('Region (Central Equitoria)')).toBe('regional');
    expect(normalizeScope('AS (10091)')).toBe('asn');
    expect(normalizeScope('AS')).toBe('asn');
  });

  it('nothing, or words it does not know, are unknown (the raw text is kept by the caller)', () => {
    expect([null, undefined, '', '  ', 'somewhere', 'partial'].map(normalizeScope)).toEqual([
      'unknown',
      'unknown',
      'unknown',
      'unknown',
      'unknown',
      'unknown',
    ]);
  });
});
