import { html, type SafeHtml } from '../services/util/html.js';

/** The escaping templates live in services/util/html.ts (reports use them too); pages import them from here. */
export { escapeHtml, html, raw, SafeHtml } from '../services/util/html.js';

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
