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
 * Names the library's English data lacks or holds ambiguously. Keys are folded (see `fold`). Each entry is a name
 * some list or common usage writes for an ISO country.
 */
const ALIASES: Record<string, string> = {
  // former or common English names
  burma: 'MM',
  swaziland: 'SZ',
  macedonia: 'MK',
  'former yugoslav republic of macedonia': 'MK',
  laos: 'LA',
  syria: 'SY',
  'cabo verde': 'CV',
  czechoslovakia: 'CZ',
  'east timor': 'TL',
  'vatican city': 'VA',
  vatican: 'VA',
  micronesia: 'FM',
  // "Congo" alone is the Republic of the Congo in ISO 3166-1 and UN usage; the library also lists it under CD
  congo: 'CG',
  'congo brazzaville': 'CG',
  'congo kinshasa': 'CD',
  drc: 'CD',
  'dr congo': 'CD',
  'democratic republic of congo': 'CD',
  'palestinian territories': 'PS',
  'palestinian territory': 'PS',
  'occupied palestinian territory': 'PS',
  'south korea': 'KR',
  korea: 'KR',
  'democratic peoples republic of korea': 'KP',
  'korea democratic peoples republic of': 'KP',
  'united states': 'US',
  america: 'US',
  britain: 'GB',
  'u k': 'GB',
  'u s': 'US',
  uae: 'AE',
  'emirates': 'AE',
  'bonaire sint eustatius saba': 'BQ',
  'caribbean netherlands': 'BQ',
  'st martin': 'MF',
  'st kitts and nevis': 'KN',
  'st lucia': 'LC',
  'st vincent and the grenadines': 'VC',
  'the gambia': 'GM',
};

/**
 * Places some lists name as if they were countries but that are not ISO 3166-1 countries: the ISO country they lie
 * in, and the area kept beside it. (Kosovo has its own user-assigned code XK in the library, so it is not here.)
 */
const PLACES: Record<string, { code: string; area: string }> = {
  somaliland: { code: 'SO', area: 'Somaliland' },
  puntland: { code: 'SO', area: 'Puntland' },
  kashmir: { code: 'IN', area: 'Jammu and Kashmir' },
  'jammu and kashmir': { code: 'IN', area: 'Jammu and Kashmir' },
  'indian administered kashmir': { code: 'IN', area: 'Jammu and Kashmir' },
  'azad kashmir': { code: 'PK', area: 'Azad Jammu and Kashmir' },
  'azad jammu and kashmir': { code: 'PK', area: 'Azad Jammu and Kashmir' },
  'pakistan administered kashmir': { code: 'PK', area: 'Azad Jammu and Kashmir' },
  'gaza': { code: 'PS', area: 'Gaza Strip' },
  'gaza strip': { code: 'PS', area: 'Gaza Strip' },
  'west bank': { code: 'PS', area: 'West Bank' },
  crimea: { code: 'UA', area: 'Crimea' },
  abkhazia: { code: 'GE', area: 'Abkhazia' },
  'south ossetia': { code: 'GE', area: 'South Ossetia' },
  transnistria: { code: 'MD', area: 'Transnistria' },
  'northern cyprus': { code: 'CY', area: 'Northern Cyprus' },
  'nagorno karabakh': { code: 'AZ', area: 'Nagorno-Karabakh' },
  'artsakh': { code: 'AZ', area: 'Nagorno-Karabakh' },
  tibet: { code: 'CN', area: 'Tibet' },
  xinjiang: { code: 'CN', area: 'Xinjiang' },
  zanzibar: { code: 'TZ', area: 'Zanzibar' },
  england: { code: 'GB', area: 'England' },
  scotland: { code: 'GB', area: 'Scotland' },
  wales: { code: 'GB', area: 'Wales' },
  'northern ireland': { code: 'GB', area: 'Northern Ireland' },
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

const STOP_WORDS = new Set(['the', 'of', 'and']);

/** `fold` without spaces and without "the", "of", "and": `SriLanka` = `Sri Lanka`, `DemocraticRepublicCongo`. */
function compact(folded: string): string {
  return folded
    .split(' ')
    .filter((w) => !STOP_WORDS.has(w))
    .join('');
}

/** The readings of a name: itself, inverted forms put in order, parentheses and slashes taken apart. */
function readings(name: string): string[] {
  const out: string[] = [];
  const add = (s: string) => {
    const t = s.trim();
    if (t && !out.includes(t)) out.push(t);
  };
  const visit = (s: string, depth: number) => {
    add(s);
    if (depth > 2) return;
    // "X (Y)": Y qualifies X ("Bolivarian Republic of") or is another name of it ("Cote d'Ivoire")
    const paren = /^(.*?)\s*\(([^()]*)\)\s*(.*)$/.exec(s);
    if (paren) {
      const [, x, y, rest] = paren as unknown as [string, string, string, string];
      visit(`${y} ${x} ${rest}`, depth + 1);
      visit(`${x} ${rest}`, depth + 1);
      visit(y, depth + 1);
    }
    // "X, Y": UN inverted form ("Korea, Republic of", "Congo, the Democratic Republic of the")
    const comma = /^([^,]+),\s*(.+)$/.exec(s);
    if (comma) {
      visit(`${comma[2]} ${comma[1]}`, depth + 1);
      visit(comma[1]!, depth + 1);
    }
    if (s.includes('/')) for (const part of s.split('/')) visit(part, depth + 1);
  };
  visit(name, 0);
  return out;
}

interface Index {
  /** folded key → code (null: two countries share it) */
  exact: Map<string, string | null>;
  compact: Map<string, string | null>;
  /** every known name with its code, for suggestions */
  names: Array<{ name: string; folded: string; code: string }>;
}

let index: Index | null = null;

function put(map: Map<string, string | null>, key: string, code: string, override: boolean): void {
  if (!key) return;
  if (override) {
    map.set(key, code);
    return;
  }
  const old = map.get(key);
  if (old === undefined) map.set(key, code);
  else if (old !== code) map.set(key, null);
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
      names.push({ name, folded: fold(name), code });
      put(exact, fold(name), code, false);
      put(cmp, compact(fold(name)), code, false);
      // the library's own inverted or qualified names also answer to their other readings ("Moldova")
      for (const r of readings(name).slice(1)) {
        put(derivedExact, fold(r), code, false);
        put(derivedCmp, compact(fold(r)), code, false);
      }
    }
  }
  for (const [k, v] of derivedExact) if (!exact.has(k)) exact.set(k, v);
  for (const [k, v] of derivedCmp) if (!cmp.has(k)) cmp.set(k, v);
  for (const [k, code] of Object.entries(ALIASES)) {
    put(exact, k, code, true);
    put(cmp, compact(k), code, true);
    // suggested under the country's own name
    names.push({ name: countries.getName(code, 'en') ?? code, folded: k, code });
  }
  return { exact, compact: cmp, names };
}

function getIndex(): Index {
  return (index ??= buildIndex());
}

export interface CountryMatch {
  code: string;
  /** the area inside the country, for places that are not ISO countries (Somaliland → SO, area Somaliland) */
  area: string | null;
}

/** A country name or ISO 3166-1 alpha-2/alpha-3 code as the lists write it → alpha-2 (and area), or null. */
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
  // places first: "Somaliland" must not fall to a fuzzy reading
  for (const r of rs) {
    const p = PLACES[fold(r)];
    if (p) return { code: p.code, area: p.area };
  }
  for (const r of rs) {
    const code = idx.exact.get(fold(r));
    if (code) return { code, area: null };
  }
  for (const r of rs) {
    const code = idx.compact.get(compact(fold(r)));
    if (code) return { code, area: null };
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
  const f = fold(input);
  const best = new Map<string, { name: string; code: string; d: number }>();
  const candidates: Index['names'] = [...getIndex().names, ...Object.entries(PLACES).map(([k, p]) => ({ name: p.area, folded: k, code: p.code }))];
  for (const c of candidates) {
    // a name that starts with the input, or contains it as a word, is close whatever its length
    const d = c.folded.startsWith(f) || ` ${c.folded} `.includes(` ${f} `) ? Math.min(levenshtein(f, c.folded), 1) : levenshtein(f, c.folded);
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
