import countries from 'i18n-iso-countries';
import { describe, expect, it } from 'vitest';
import { closestCountries, resolveCountry, unknownCountryReason } from '../../../services/reference/countries.js';

const code = (name: string) => resolveCountry(name)?.code ?? null;

describe('country names as the lists write them', () => {
  it('every name in the library’s English data comes back as its own code (also upper case and without accents)', () => {
    const all = countries.getNames('en', { select: 'all' });
    const wrong: string[] = [];
    let n = 0;
    for (const [cc, names] of Object.entries(all)) {
      for (const name of names) {
        // "Congo" is listed under both CD and CG; ISO 3166-1 and the UN give it to CG (documented alias)
        const want = name === 'Congo' ? 'CG' : cc;
        for (const v of [
          name,
          name.toUpperCase(),
          name.normalize('NFD').replace(/[\u0300-\u036f]/g, ''),
          ` ${name.replace(/ /g, '  ')} `,
        ]) {
          n++;
          if (code(v) !== want) wrong.push(`${v} → ${code(v)} (want ${want})`);
        }
      }
    }
    expect(n).toBeGreaterThan(1000);
    expect(wrong).toEqual([]);
  });

  it('ISO 3166-1 alpha-2 and alpha-3 codes, any case', () => {
    expect(['kz', 'KZ', 'KAZ', 'irn', 'XK'].map(code)).toEqual(['KZ', 'KZ', 'KZ', 'IR', 'XK']);
    expect(code('XX')).toBeNull();
    expect(unknownCountryReason('XX')).toBe('unknown country "XX" (not an ISO 3166-1 alpha-2 or alpha-3 code, nor a name)');
  });

  it('UN-style long forms: qualifiers in parentheses, inverted "X, Y of" forms, ISO\'s "(the)"', () => {
    const cases: Record<string, string> = {
      'Venezuela (Bolivarian Republic of)': 'VE',
      'Bolivia (Plurinational State of)': 'BO',
      'Iran (Islamic Republic of)': 'IR',
      'Micronesia (Federated States of)': 'FM',
      'Tanzania, United Republic of': 'TZ',
      'Tanzania, the United Republic of': 'TZ',
      'Korea, Republic of': 'KR',
      "Korea (the Democratic People's Republic of)": 'KP',
      'Congo, the Democratic Republic of the': 'CD',
      'Congo (the Democratic Republic of the)': 'CD',
      'Congo (the)': 'CG',
      'Palestine, State of': 'PS',
      'Venezuela, Bolivarian Republic of': 'VE',
      'Macedonia, the former Yugoslav Republic of': 'MK',
      'Viet Nam': 'VN',
      "Lao People's Democratic Republic": 'LA',
      'Syrian Arab Republic (the)': 'SY',
      'United Kingdom of Great Britain and Northern Ireland': 'GB',
      'Falkland Islands (the) [Malvinas]': 'FK',
      'Sudan (South)': 'SS',
    };
    expect(Object.fromEntries(Object.keys(cases).map((k) => [k, code(k)]))).toEqual(cases);
  });

  it('World Bank short forms with abbreviations', () => {
    const cases: Record<string, string> = {
      'Congo, Dem. Rep.': 'CD',
      'Congo, Rep.': 'CG',
      "Korea, Dem. People's Rep.": 'KP',
      'Korea, Rep.': 'KR',
      'Lao PDR': 'LA',
      'Egypt, Arab Rep.': 'EG',
      'Yemen, Rep.': 'YE',
      'Venezuela, RB': 'VE',
      'Micronesia, Fed. Sts.': 'FM',
      'Czech Rep.': 'CZ',
      'Bosnia and Herz.': 'BA',
      'Eq. Guinea': 'GQ',
      'St. Lucia': 'LC',
      'Hong Kong SAR, China': 'HK',
      'Slovak Republic': 'SK',
      'Kyrgyz Republic': 'KG',
      'West Bank and Gaza': 'PS',
    };
    expect(Object.fromEntries(Object.keys(cases).map((k) => [k, code(k)]))).toEqual(cases);
  });

  it('common and former names, other names in parentheses, alternatives with a slash', () => {
    const cases: Record<string, string> = {
      'Ivory Coast': 'CI',
      "Ivory Coast (Cote d'Ivoire)": 'CI',
      Burma: 'MM',
      'Myanmar/Burma': 'MM',
      Swaziland: 'SZ',
      Eswatini: 'SZ',
      Türkiye: 'TR',
      Turkey: 'TR',
      Macedonia: 'MK',
      Laos: 'LA',
      Syria: 'SY',
      Russia: 'RU',
      'Cabo Verde': 'CV',
      'East Timor': 'TL',
      'Kyrgyz Republic (Kyrgyzstan)': 'KG',
      'United States of America (USA)': 'US',
      'Democratic Republic of (DRC)': 'CD',
      'Palestinian Territories': 'PS',
      'Bonaire/Sint Eustatius/Saba': 'BQ',
      'Saint Martin': 'MF',
      'China, Hong Kong Special Administrative Region': 'HK',
    };
    expect(Object.fromEntries(Object.keys(cases).map((k) => [k, code(k)]))).toEqual(cases);
  });

  it('accents, case, punctuation, "&" and spacing, as the sheets write them', () => {
    const cases: Record<string, string> = {
      "Côte d'Ivoire": 'CI',
      'COTE D’IVOIRE': 'CI',
      Curacao: 'CW',
      Réunion: 'RE',
      'India ': 'IN',
      '  sri   lanka ': 'LK',
      SriLanka: 'LK',
      DemocraticRepublicCongo: 'CD',
      'Antigua & Barbuda': 'AG',
      'Bosnia & Herzegovina': 'BA',
      'Timor Leste': 'TL',
      'Turks And Caicos Islands': 'TC',
      'Federated States Of Micronesia': 'FM',
      'Guinea-Bissau': 'GW',
    };
    expect(Object.fromEntries(Object.keys(cases).map((k) => [k, code(k)]))).toEqual(cases);
    // and not confused with their neighbours
    expect(
      [
        'Guinea',
        'Equatorial Guinea',
        'Niger',
        'Nigeria',
        'Dominica',
        'Dominican Republic',
        'Sudan',
        'South Sudan',
        'Samoa',
        'American Samoa',
      ].map(code),
    ).toEqual(['GN', 'GQ', 'NE', 'NG', 'DM', 'DO', 'SD', 'SS', 'WS', 'AS']);
  });

  it('places that are not ISO countries: the ISO parent with the area kept; Kosovo is XK', () => {
    expect(resolveCountry('Somaliland')).toEqual({ code: 'SO', area: 'Somaliland' });
    expect(resolveCountry('Kashmir')).toEqual({ code: 'IN', area: 'Jammu and Kashmir' });
    expect(resolveCountry('Jammu & Kashmir')).toEqual({ code: 'IN', area: 'Jammu and Kashmir' });
    expect(resolveCountry('India (Kashmir)')).toEqual({ code: 'IN', area: 'Jammu and Kashmir' });
    expect(resolveCountry('Kosovo')).toEqual({ code: 'XK', area: null });
    expect(resolveCountry('Somalia')).toEqual({ code: 'SO', area: null });
  });

  it('a name whose readings disagree, or that drops what tells countries apart, is not guessed', () => {
    expect(resolveCountry('Pakistan (Kashmir)')).toBeNull(); // Kashmir under IN here, Pakistan says PK
    expect(resolveCountry('China, Special Administrative Region')).toBeNull(); // not "China"
    expect(resolveCountry('Virgin Islands')).toBeNull(); // British or U.S.
  });

  it('an unknown name is rejected with the closest known names', () => {
    expect(resolveCountry('European Union')).toBeNull();
    expect(closestCountries('Venezuala')[0]).toEqual({ name: 'Venezuela', code: 'VE' });
    expect(closestCountries('Somalilnd')[0]).toEqual({ name: 'Somaliland', code: 'SO' });
    expect(
      closestCountries('Virgin Islands')
        .map((c) => c.code)
        .sort(),
    ).toEqual(expect.arrayContaining(['VG', 'VI']));
    expect(unknownCountryReason('Kazakstn')).toMatch(/^unknown country "Kazakstn" \(closest: Kazakhstan \(KZ\), .+\)$/);
  });
});
