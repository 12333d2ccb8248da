import { IANAZone } from 'luxon';
import { COUNTRY_ZONES } from './zone-table.js';

/**
 * The zone used for a country when a row gives no zone and no coordinates. zone.tab lists zones
 * roughly west to east or by population; where its first zone is not where most people live, pick
 * the capital's.
 */
const PRIMARY_OVERRIDES: Readonly<Record<string, string>> = {
  RU: 'Europe/Moscow',
  AU: 'Australia/Sydney',
  BR: 'America/Sao_Paulo',
  CA: 'America/Toronto',
  MX: 'America/Mexico_City',
  ID: 'Asia/Jakarta',
  CD: 'Africa/Kinshasa',
  MN: 'Asia/Ulaanbaatar',
  UA: 'Europe/Kyiv',
  AR: 'America/Argentina/Buenos_Aires',
  CL: 'America/Santiago',
  EC: 'America/Guayaquil',
  ES: 'Europe/Madrid',
  PT: 'Europe/Lisbon',
  UZ: 'Asia/Tashkent',
  KI: 'Pacific/Tarawa',
  FM: 'Pacific/Pohnpei',
  PF: 'Pacific/Tahiti',
};

let spellings: Map<string, string> | undefined;

/** Known zone names by lower case: tzdata's current names first, then ICU's (which keeps old ones). */
function knownSpellings(): Map<string, string> {
  if (spellings) return spellings;
  spellings = new Map();
  for (const zones of Object.values(COUNTRY_ZONES)) for (const [z] of zones) spellings.set(z.toLowerCase(), z);
  for (const z of [...Intl.supportedValuesOf('timeZone'), 'UTC']) if (!spellings.has(z.toLowerCase())) spellings.set(z.toLowerCase(), z);
  return spellings;
}

/**
 * A valid IANA zone name, as given (`Asia/Yangon` stays `Asia/Yangon` although ICU calls it
 * `Asia/Rangoon`), with only its letter case repaired (`asia/almaty` → `Asia/Almaty`); null if unknown.
 */
export function canonicalZone(input: string): string | null {
  const hit = zoneCache.get(input);
  if (hit !== undefined) return hit;
  const tz = input.trim();
  const result = !tz || !IANAZone.isValidZone(tz) ? null : (knownSpellings().get(tz.toLowerCase()) ?? tz);
  if (zoneCache.size > 10_000) zoneCache.clear();
  zoneCache.set(input, result);
  return result;
}

// luxon's isValidZone builds an Intl.DateTimeFormat on every call: slow and memory-hungry in imports.
const zoneCache = new Map<string, string | null>();

/** The zone a country's dates are read in when nothing else says: its capital's / most populous zone. */
export function primaryZone(country: string): string | null {
  const over = PRIMARY_OVERRIDES[country];
  if (over && canonicalZone(over)) return canonicalZone(over);
  const first = COUNTRY_ZONES[country]?.[0];
  return first ? first[0] : null;
}

/**
 * The zone of a place in a country, from its coordinates: the country's zone whose reference city is
 * nearest (e.g. Atyrau → Asia/Atyrau, Semey → Asia/Almaty, Zhanaozen → Asia/Aqtau). Without
 * coordinates, or for one-zone countries, the country's primary zone.
 */
export function zoneForPlace(country: string, lat?: number | null, lon?: number | null): string | null {
  const zones = COUNTRY_ZONES[country];
  if (!zones || zones.length === 0) return null;
  if (
    zones.length === 1 ||
    lat === null ||
    lat === undefined ||
    lon === null ||
    lon === undefined ||
    !Number.isFinite(lat) ||
    !Number.isFinite(lon)
  ) {
    return primaryZone(country);
  }
  let best = zones[0]![0];
  let bestD = Infinity;
  const rad = Math.PI / 180;
  for (const [zone, zlat, zlon] of zones) {
    // great-circle distance (haversine), enough to pick the nearest reference city
    const dlat = (zlat - lat) * rad;
    const dlon = (zlon - lon) * rad;
    const a = Math.sin(dlat / 2) ** 2 + Math.cos(lat * rad) * Math.cos(zlat * rad) * Math.sin(dlon / 2) ** 2;
    if (a < bestD) {
      bestD = a;
      best = zone;
    }
  }
  return best;
}
