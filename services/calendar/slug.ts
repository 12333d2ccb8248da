/** Slug ids: `kz-2016-05-21-land-protests`. */
export const ID_RE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const ID_MAX = 100;

const STOP = new Set(['a', 'an', 'the', 'of', 'and', 'in', 'on', 'for', 'to', 'at', 'by', 'with']);

/** Lower-case ASCII words of a title joined by `-` (diacritics dropped, small words skipped), at most `max` chars. */
export function slugify(text: string, max = 40): string {
  const words = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .filter((w) => w && !STOP.has(w));
  let out = '';
  for (const w of words) {
    const next = out ? `${out}-${w}` : w;
    if (next.length > max) break;
    out = next;
  }
  return out || (words[0]?.slice(0, max) ?? '');
}

/** The id of an event: country, first local day and a slug of the title. */
export function eventId(country: string, firstDate: string, title: string): string {
  const s = slugify(title);
  return s ? `${country.toLowerCase()}-${firstDate}-${s}` : `${country.toLowerCase()}-${firstDate}`;
}
