/** Small formatting helpers shared by the report renderings. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  return `${m} min`;
}

export function signedDuration(seconds: number | null): string {
  if (seconds === null) return '—';
  return `${seconds < 0 ? '−' : '+'}${duration(Math.abs(seconds))}`;
}

export function num(v: number | null, digits = 1): string {
  if (v === null || !Number.isFinite(v)) return '—';
  return Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en-US') : v.toFixed(digits).replace(/\.0+$/, '');
}

export function pValue(p: number | null): string {
  if (p === null) return '—';
  if (p < 0.0001) return p.toExponential(1);
  return p.toFixed(4).replace(/0+$/, '').replace(/\.$/, '');
}

/** A safe file name part: letters, digits, dot, dash, underscore only. */
export function fileSlug(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '').slice(0, 80) || 'report';
}
