/**
 * Country names as published outage lists write them → ISO 3166-1 alpha-2 (plus the area, for places that are not
 * ISO countries). The names come from i18n-iso-countries (English: official, short and alias names); this module
 * only adds what that data lacks, in the small documented tables below, and general rules for the forms lists use:
 * - case, accents, punctuation, `&`/`and` and spacing are folded (`Côte d’Ivoire`, `COTE D'IVOIRE`, `SriLanka`);
 * - UN-style inverted forms are put back in order: `Korea, Republic of`, `Tanzania, United Republic of`,
 *   `Congo, the Democratic Republic of the`, `Palestine, State of`;
 * - a parenthesis is either a qualifier or another name: `Venezuela (Bolivarian Republic of)`,
 *   `Ivory Coast (Cote d'Ivoire)`, `Kyrgyz Republic (Kyrgyzstan)`, `United States of America (USA)`;
 * - alternatives with `/`: `Myanmar/Burma`;
 * - the short head of the library's own inverted or qualified names: `Moldova` (from `Moldova, Republic of`),
 *   `Saint Martin` (from `Saint Martin (French part)`), unless two countries share it;
 * - ISO alpha-2 and alpha-3 codes.
 * A name still unknown gets the closest known names (for the rejection message). Pure (the library's data is static).
 */
import countries from 'i18n-iso-countries';

/**
 * Names the library's English data lacks or holds ambiguously, written as lists write them (matched after `key`).
 * Each is a name some list (UN M49, World Bank, STOP, IODA) or common usage gives an ISO country.
 */
const ALIASES: Record<string, string> = {
  // former or common English names
  Burma: 'MM',
  Swaziland: 'SZ',
  Macedonia: 'MK',
  'Former Yugoslav Republic of Macedonia': 'MK',
  Laos: 'LA',
  Syria: 'SY',
  'Cabo Verde': 'CV',
  'East Timor': 'TL',
  'Holy See': 'VA',
  'Vatican City': 'VA',
  'Slovak Republic': 'SK',
  'Kyrgyz Republic': 'KG',
  // "Congo" alone is the Republic of the Congo in ISO 3166-1 and UN usage; the library also lists it under CD
  Congo: 'CG',
  'Congo-Brazzaville': 'CG',
  'Congo-Kinshasa': 'CD',
  DRC: 'CD',
  'DR Congo': 'CD',
  "Democratic People's Republic of Korea": 'KP',
  'Palestinian Territories': 'PS',
  'Occupied Palestinian Territory': 'PS',
  'West Bank and Gaza': 'PS',
  'United Kingdom of Great Britain and Northern Ireland': 'GB',
  'United States Virgin Islands': 'VI',
  'Wallis and Futuna Islands': 'WF',
  'Hong Kong SAR': 'HK',
  'Hong Kong SAR, China': 'HK',
  'Macao SAR, China': 'MO',
  'China, Hong Kong Special Administrative Region': 'HK',
  'Macao SAR': 'MO',
  Macau: 'MO',
  'China, Macao Special Administrative Region': 'MO',
  'Caribbean Netherlands': 'BQ',
};

/**
 * Places some lists name as if they were countries but that are not ISO 3166-1 countries: the ISO country they lie
 * in, and the area kept beside it. (Kosovo has its own user-assigned code XK in the library, so it is not here.)
 */
const PLACES: Record<string, { code: string; area: string }> = {
  Somaliland: { code: 'SO', area: 'Somaliland' },
  Puntland: { code: 'SO', area: 'Puntland' },
  Kashmir: { code: 'IN', area: 'Jammu and Kashmir' },
  'Jammu and Kashmir': { code: 'IN', area: 'Jammu and Kashmir' },
  'Indian-administered Kashmir': { code: 'IN', area: 'Jammu and Kashmir' },
  'Azad Kashmir': { code: 'PK', area: 'Azad Jammu and Kashmir' },
  'Azad Jammu and Kashmir': { code: 'PK', area: 'Azad Jammu and Kashmir' },
  'Pakistan-administered Kashmir': { code: 'PK', area: 'Azad Jammu and Kashmir' },
  Gaza: { code: 'PS', area: 'Gaza Strip' },
  'Gaza Strip': { code: 'PS', area: 'Gaza Strip' },
  'West Bank': { code: 'PS', area: 'West Bank' },
  Crimea: { code: 'UA', area: 'Crimea' },
  Abkhazia: { code: 'GE', area: 'Abkhazia' },
  'South Ossetia': { code: 'GE', area: 'South Ossetia' },
  Transnistria: { code: 'MD', area: 'Transnistria' },
  'Northern Cyprus': { code: 'CY', area: 'Northern Cyprus' },
  'Nagorno-Karabakh': { code: 'AZ', area: 'Nagorno-Karabakh' },
  Tibet: { code: 'CN', area: 'Tibet' },
  Xinjiang: { code: 'CN', area: 'Xinjiang' },
  Zanzibar: { code: 'TZ', area: 'Zanzibar' },
  England: { code: 'GB', area: 'England' },
  Scotland: { code: 'GB', area: 'Scotland' },
  Wales: { code: 'GB', area: 'Wales' },
  'Northern Ireland': { code: 'GB', area: 'Northern Ireland' },
};

/** Abbreviations of the World Bank's and others' short forms, read as words (`Congo, Dem. Rep.`, `Lao PDR`). */
const ABBREVIATIONS: Record<string, string> = {
  rep: 'republic',
  dem: 'democratic',
  st: 'saint',
  sts: 'states',
  fed: 'federated',
  is: 'islands',
  isl: 'islands',
  herz: 'herzegovina',
  eq: 'equatorial',
  pdr: 'peoples democratic republic',
};

/** Case, accents, apostrophes, punctuation and spacing folded; `&` read as `and`; a leading "the" dropped. */
export function fold(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/['’‘`´]/g, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .replace(/^the /, '');
}

/** `fold` with abbreviations written out: the key names are compared by. */
function key(name: string): string {
  return fold(name)
    .split(' ')
    .map((w) => ABBREVIATIONS[w] ?? w)
    .join(' ');
}

const STOP_WORDS = new Set(['the', 'of', 'and']);

/** A key without spaces and without "the", "of", "and": `SriLanka` = `Sri Lanka`, `DemocraticRepublicCongo`. */
function compact(k: string): string {
  return k
    .split(' ')
    .filter((w) => !STOP_WORDS.has(w))
    .join('');
}

/** Words that only say what kind of state a country is: "X, Republic of" or "X (Bolivarian Republic of)" is X. */
const GENERIC = new Set([
  'the',
  'of',
  'and',
  'republic',
  'state',
  'states',
  'united',
  'islamic',
  'arab',
  'bolivarian',
  'plurinational',
  'federated',
  'federal',
  'kingdom',
  'rb',
  'commonwealth',
  'principality',
  'sultanate',
  'socialist',
  'oriental',
  'co',
  'operative',
  'cooperative',
]);

const generic = (s: string) =>
  key(s)
    .split(' ')
    .every((w) => !w || GENERIC.has(w));

/**
 * The readings of a name, strongest first, in tiers:
 * 0. the name itself;
 * 1. inverted forms put in order: "Korea, Republic of" → "Republic of Korea", "Iran (Islamic Republic of)" →
 *    "Islamic Republic of Iran", "Sudan (South)" → "South Sudan";
 * 2. alternatives: the parenthesis alone ("Ivory Coast (Cote d'Ivoire)"), each part of "A/B", and the head alone
 *    when what it drops is generic ("Venezuela (Bolivarian Republic of)", "Yemen, Rep."). A head whose dropped part
 *    says something ("China, Hong Kong Special Administrative Region", "Congo, Dem. Rep.") is only a check:
 *    it must agree with the other readings of its tier.
 */
function readings(name: string): Array<{ tier: 0 | 1 | 2; text: string; checkOnly?: boolean }> {
  const out: Array<{ tier: 0 | 1 | 2; text: string; checkOnly?: boolean }> = [{ tier: 0, text: name }];
  const seen = new Set<string>([name]);
  const add = (tier: 1 | 2, text: string, checkOnly = false) => {
    const t = text.trim().replace(/\s+/g, ' ');
    if (!t || seen.has(t)) return;
    seen.add(t);
    out.push({ tier, text: t, ...(checkOnly ? { checkOnly } : {}) });
  };
  const bracket = /^(.*?)\s*[([]([^()[\]]*)[)\]]\s*(.*)$/.exec(name);
  if (bracket) {
    const [, x, y, rest] = bracket as unknown as [string, string, string, string];
    const head = `${x} ${rest}`;
    add(1, `${y} ${head}`);
    add(2, y);
    add(2, head, !generic(y));
  }
  const comma = /^([^,]+),\s*(.+)$/.exec(name);
  if (comma) {
    const [, x, y] = comma as unknown as [string, string, string];
    add(1, `${y} ${x}`);
    add(2, x, !generic(y));
  }
  if (name.includes('/')) for (const part of name.split('/')) add(2, part);
  // "Congo (the Democratic Republic of the)": one more level for the inverted reading's own parenthesis
  if (bracket && /[([]/.test(bracket[3] ?? ''))
    for (const r of readings(`${bracket[2]} ${bracket[1]} ${bracket[3]}`).slice(1)) add(r.tier === 0 ? 1 : r.tier, r.text, r.checkOnly);
  return out;
}

interface Index {
  /** key → code (null: two countries share it) */
  exact: Map<string, string | null>;
  compact: Map<string, string | null>;
  places: Map<string, { code: string; area: string }>;
  /** every known name with its code, for suggestions */
  names: Array<{ name: string; folded: string; code: string }>;
}

let index: Index | null = null;

function put(map: Map<string, string | null>, k: string, code: string, override: boolean): void {
  if (!k) return;
  if (override) {
    map.set(k, code);
    return;
  }
  const old = map.get(k);
  if (old === undefined) map.set(k, code);
  else if (old !== code) map.set(k, null);
}

function buildIndex(): Index {
  const exact = new Map<string, string | null>();
  const cmp = new Map<string, string | null>();
  const derivedExact = new Map<string, string | null>();
  const derivedCmp = new Map<string, string | null>();
  const names: Index['names'] = [];
  const all = countries.getNames('en', { select: 'all' });
  for (const [code, list] of Object.entries(all)) {
    for (const name of list) {
      names.push({ name, folded: key(name), code });
      put(exact, key(name), code, false);
      put(cmp, compact(key(name)), code, false);
      // the library's own inverted or qualified names also answer to their other readings:
      // "Moldova, Republic of" to "Moldova", "Saint Martin (French part)" to "Saint Martin"
      for (const r of readings(name).slice(1)) {
        if (generic(r.text)) continue; // "Netherlands (Kingdom of the)" does not make "Kingdom of the" a name
        put(derivedExact, key(r.text), code, false);
        put(derivedCmp, compact(key(r.text)), code, false);
      }
    }
  }
  for (const [k, v] of derivedExact) if (!exact.has(k)) exact.set(k, v);
  for (const [k, v] of derivedCmp) if (!cmp.has(k)) cmp.set(k, v);
  for (const [name, code] of Object.entries(ALIASES)) {
    put(exact, key(name), code, true);
    put(cmp, compact(key(name)), code, true);
    // suggested under the country's own name
    names.push({ name: countries.getName(code, 'en') ?? code, folded: key(name), code });
  }
  const places = new Map<string, { code: string; area: string }>();
  for (const [name, p] of Object.entries(PLACES)) {
    places.set(key(name), p);
    names.push({ name: p.area, folded: key(name), code: p.code });
  }
  return { exact, compact: cmp, places, names };
}

function getIndex(): Index {
  return (index ??= buildIndex());
}

export interface CountryMatch {
  code: string;
  /** the area inside the country, for places that are not ISO countries (Somaliland → SO, area Somaliland) */
  area: string | null;
}

function lookup(idx: Index, text: string): CountryMatch | null | 'ambiguous' {
  const k = key(text);
  const place = idx.places.get(k);
  if (place) return { code: place.code, area: place.area };
  const e = idx.exact.get(k);
  if (e === null) return 'ambiguous';
  if (e) return { code: e, area: null };
  const c = idx.compact.get(compact(k));
  if (c === null) return 'ambiguous';
  return c ? { code: c, area: null } : null;
}

/**
 * A country name or ISO 3166-1 alpha-2/alpha-3 code as the lists write it → alpha-2 (and area), or null when the
 * name is unknown or its readings point at different countries.
 */
export function resolveCountry(input: string): CountryMatch | null {
  const s = input.trim().replace(/\s+/g, ' ');
  if (!s) return null;
  if (/^[A-Za-z]{2}$/.test(s) && countries.isValid(s.toUpperCase())) return { code: s.toUpperCase(), area: null };
  if (/^[A-Za-z]{3}$/.test(s)) {
    const a2 = countries.alpha3ToAlpha2(s.toUpperCase());
    if (a2) return { code: a2, area: null };
  }
  const idx = getIndex();
  const rs = readings(s);
  for (const tier of [0, 1, 2] as const) {
    const hits: CountryMatch[] = [];
    const checks: CountryMatch[] = [];
    let ambiguous = false;
    for (const r of rs.filter((x) => x.tier === tier)) {
      const m = lookup(idx, r.text);
      if (m === 'ambiguous') ambiguous ||= !r.checkOnly;
      else if (m) (r.checkOnly ? checks : hits).push(m);
    }
    if (ambiguous) return null;
    if (!hits.length) continue;
    // a head that drops a meaningful part is never enough alone; it only has to agree with the rest of its tier
    if (new Set([...hits, ...checks].map((h) => h.code)).size > 1) return null;
    return hits.find((h) => h.area) ?? hits[0]!;
  }
  return null;
}

/** A country name or code → alpha-2, or null (the area of a non-ISO place is dropped; see `resolveCountry`). */
export function countryCode(input: string): string | null {
  return resolveCountry(input)?.code ?? null;
}

function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/** The `n` known names closest to an unknown one (by edit distance of the folded names; one name per country). */
export function closestCountries(input: string, n = 3): Array<{ name: string; code: string }> {
  const f = key(input);
  const best = new Map<string, { name: string; code: string; d: number }>();
  for (const c of getIndex().names) {
    // a name that starts with the input, or contains it as a word, is close whatever its length
    const d =
      c.folded.startsWith(f) || ` ${c.folded} `.includes(` ${f} `) ? Math.min(levenshtein(f, c.folded), 1) : levenshtein(f, c.folded);
    const key = `${c.code}`;
    const old = best.get(key);
    if (!old || d < old.d) best.set(key, { name: c.name, code: c.code, d });
  }
  return [...best.values()]
    .sort((a, b) => a.d - b.d || a.name.localeCompare(b.name))
    .slice(0, n)
    .map(({ name, code }) => ({ name, code }));
}

/** The rejection reason for an unknown name: `unknown country "X" (closest: A (AA), B (BB), C (CC))`. */
export function unknownCountryReason(input: string): string {
  if (/^[A-Za-z]{2,3}$/.test(input.trim())) return `unknown country "${input}" (not an ISO 3166-1 alpha-2 or alpha-3 code, nor a name)`;
  const close = closestCountries(input);
  return `unknown country "${input}"${close.length ? ` (closest: ${close.map((c) => `${c.name} (${c.code})`).join(', ')})` : ''}`;
}
