/**
 * One scope vocabulary for every reference list: how much of a country an outage covers
 * (`national | regional | local | asn | unknown`, see docs/reference.md for the mapping table).
 * The lists write scope in several vocabularies; the raw text is always kept beside the normalized value.
 * Pure.
 */
import { SCOPES, type Scope } from '../../db/reference.js';

export { SCOPES, type Scope };

/** Lower case, accents and punctuation folded to spaces, whitespace collapsed: `Level  2` → `level 2`. */
export function foldScope(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

const WORDS: Record<string, Scope> = {
  // national: the whole country, or several states / provinces / regions (STOP's level 3, "multi-regional")
  national: 'national',
  nationwide: 'national',
  'nation wide': 'national',
  countrywide: 'national',
  'country wide': 'national',
  country: 'national',
  'whole country': 'national',
  'multi regional': 'national',
  multiregional: 'national',
  'level 3': 'national',
  // regional: several cities of one state, province or region (STOP's level 2); IODA's region scope
  regional: 'regional',
  region: 'regional',
  state: 'regional',
  province: 'regional',
  'level 2': 'regional',
  // local: one city, county or village (STOP's level 1)
  local: 'local',
  city: 'local',
  county: 'local',
  village: 'local',
  district: 'local',
  'level 1': 'local',
  // one network (IODA's AS scope)
  as: 'asn',
  asn: 'asn',
  'as level': 'asn',
  'autonomous system': 'asn',
  network: 'asn',
  // said not to be known
  'not sure': 'unknown',
  unknown: 'unknown',
  unsure: 'unknown',
  'n a': 'unknown',
  na: 'unknown',
};

/**
 * The scope a list's text means. Words and STOP's levels are matched after folding case, accents, punctuation and
 * spacing; STOP's 2020– sentences by what they say ("more than one state, province, or region" → national,
 * "more than one city in the same …" → regional, "only … one city, county, or village" → local); IODA's
 * `Country (…)`, `Region (…)`, `AS (…)` by the word before the parenthesis. Anything else is `unknown`.
 */
export function normalizeScope(raw: string | null | undefined): Scope {
  if (raw === null || raw === undefined) return 'unknown';
  const full = foldScope(raw);
  if (!full) return 'unknown';
  const direct = WORDS[full];
  if (direct) return direct;
  // IODA: "Region (Central Equitoria)", "AS (10091)", "Country"
  const head = foldScope(raw.replace(/\(.*$/s, ''));
  if (head && head !== full && WORDS[head]) return WORDS[head]!;
  // sentences (STOP 2020–22 and later)
  const places = '(?:states?|provinces?|regions?|governorates?|prefectures?)';
  if (new RegExp(`\\b(?:more than one|several|multiple|many|two or more) ${places}\\b`).test(full)) return 'national';
  if (/\b(?:whole|entire|all of the) country\b|\bnation ?wide\b|\bcountry ?wide\b/.test(full)) return 'national';
  if (/\b(?:more than one|several|multiple|many|two or more) (?:cities|city|towns?|counties|county|districts?)\b/.test(full))
    return 'regional';
  if (/\b(?:only )?(?:affected )?one (?:city|county|village|town|district)\b/.test(full)) return 'local';
  if (/\b(?:one|single) (?:as|asn|autonomous system|network|isp|operator)\b/.test(full)) return 'asn';
  return 'unknown';
}
