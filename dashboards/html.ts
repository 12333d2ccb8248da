/** Escaped HTML templates: every interpolated value is escaped unless it is already `SafeHtml`. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"'`]/g, (c) => ESCAPES[c]!);
}

function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(value);
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]!;
  return new SafeHtml(out);
}

/** Marks trusted, already-escaped markup. Never pass user or source text here. */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

export interface LayoutOptions {
  nav?: boolean;
  /** Extra stylesheets and scripts (same-origin URLs under /static; the CSP allows no inline code). */
  styles?: string[];
  scripts?: string[];
}

export function layout(title: string, body: SafeHtml, opts: LayoutOptions = {}): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · outagewatch</title>
${(opts.styles ?? []).map((href) => html`<link rel="stylesheet" href="${href}">\n`)}<link rel="stylesheet" href="/static/style.css">
</head>
<body>
<a class="skip-link" href="#main">Skip to content</a>
${opts.nav === false ? '' : html`<header><nav aria-label="Main"><a href="/">outagewatch</a> <a href="/calendar">Calendar</a> <a href="/outages">Outages</a> <a href="/reference">Reference lists</a> <a href="/sources">Sources</a> <a href="/reports">Reports</a> <a href="/status">Status</a></nav></header>`}
<main id="main">
${body}
</main>
${(opts.scripts ?? []).map((src) => html`<script src="${src}" defer></script>\n`)}</body>
</html>`.value;
}
