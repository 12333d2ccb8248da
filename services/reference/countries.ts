import countries from 'i18n-iso-countries';

/** Names the published lists use that i18n-iso-countries does not know (lower-case, spaces collapsed). */
const ALIASES: Record<string, string> = {
  'antigua & barbuda': 'AG',
  'bonaire/sint eustatius/saba': 'BQ',
  'bonaire, sint eustatius and saba': 'BQ',
  'bosnia & herzegovina': 'BA',
  curacao: 'CW',
  'democratic republic of (drc)': 'CD',
  democraticrepubliccongo: 'CD',
  'democratic republic of the congo': 'CD',
  'federated states of micronesia': 'FM',
  'iran (islamic republic of)': 'IR',
  "ivory coast (cote d'ivoire)": 'CI',
  'kyrgyz republic (kyrgyzstan)': 'KG',
  laos: 'LA',
  macedonia: 'MK',
  moldova: 'MD',
  'myanmar/burma': 'MM',
  'palestine, state of': 'PS',
  'palestinian territories': 'PS',
  palestine: 'PS',
  'saint martin': 'MF',
  srilanka: 'LK',
  swaziland: 'SZ',
  syria: 'SY',
  'timor leste': 'TL',
  'united states of america (usa)': 'US',
  'venezuela, bolivarian republic of': 'VE',
  'great britain': 'GB',
  russia: 'RU',
  'south korea': 'KR',
  'north korea': 'KP',
};

/** A country name or ISO 3166-1 alpha-2 code as the lists write it → alpha-2, or null. */
export function countryCode(input: string): string | null {
  const s = input.trim().replace(/\s+/g, ' ');
  if (!s) return null;
  if (/^[A-Za-z]{2}$/.test(s)) return countries.isValid(s.toUpperCase()) ? s.toUpperCase() : null;
  const alias = ALIASES[s.toLowerCase()];
  if (alias) return alias;
  return countries.getAlpha2Code(s, 'en') ?? null;
}
