import countries from 'i18n-iso-countries';

/** `KZ` (any case) → `KZ` when it is an ISO 3166-1 alpha-2 code, otherwise null. */
export function normaliseCountry(input: string): string | null {
  const cc = input.trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(cc)) return null;
  return countries.isValid(cc) ? cc : null;
}

/** ISO 3166-1 numeric (`398`, `"398"`, `"050"`) → alpha-2 (`KZ`), or null when unknown. */
export function numericToAlpha2(input: string | number): string | null {
  const s = String(input).trim();
  if (!/^\d{1,3}$/.test(s)) return null;
  const cc = countries.numericToAlpha2(s.padStart(3, '0'));
  return cc ?? null;
}

/** English short name for messages and titles (`KZ` → `Kazakhstan`). */
export function countryName(cc: string): string {
  return countries.getName(cc, 'en', { select: 'official' }) ?? cc;
}
