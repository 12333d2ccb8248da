import { notOnPostgres } from './backend.js';
import { Router } from 'express';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { AppError } from '../core/app-errors.js';
import { reportsDir } from '../services/report/auto.js';
import { isoUtc } from '../core/time.js';
import type { AppDeps } from './deps.js';
import { html, layout } from './html.js';

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$/;
const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.md': 'text/markdown',
  '.json': 'application/json',
  '.csv': 'text/csv',
  '.svg': 'image/svg+xml',
};

interface ReportFile {
  name: string;
  base: string;
  format: string;
  size: number;
  modified: number;
}

function listReports(dir: string): ReportFile[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => SAFE_NAME.test(n) && Object.keys(TYPES).some((ext) => n.endsWith(ext)))
    .map((name) => {
      const st = statSync(join(dir, name));
      const m = /^(.*?)(\.series\.csv|\.outages\.csv|\.[a-z]+)$/.exec(name)!;
      return { name, base: m[1]!, format: m[2]!.slice(1), size: st.size, modified: Math.floor(st.mtimeMs / 1000) };
    })
    .sort((a, b) => b.modified - a.modified || a.name.localeCompare(b.name));
}

/** `/reports`: the reports the daemon (or `outagewatch report --out <reports dir>`) wrote, and the files themselves. */
export function reportsRouter(deps: AppDeps): Router {
  const router = Router();
  // on PostgreSQL there is no folder beside the database: reports are served only from a configured folder
  const dir = () => {
    if (deps.reportsDir) return deps.reportsDir;
    if (deps.points.backend === 'postgres' && !deps.config.reportsDir)
      throw notOnPostgres(
        deps,
        'The reports folder (set `reportsDir` or OUTAGEWATCH_REPORTS_DIR to serve reports with a PostgreSQL database)',
      );
    return reportsDir(deps.config);
  };
  router.get('/reports', (_req, res) => {
    const files = listReports(dir());
    const bases = [...new Set(files.map((f) => f.base))];
    res.type('html').send(
      layout(
        'Reports',
        html`<h1>Reports</h1>
<p class="muted">Written automatically (at start, then hourly) once an event's window has closed and its data is in, and by <code>outagewatch report --event ID</code> — all into one folder, <code>${dir()}</code> (beside the database; <code>reportsDir</code> or <code>OUTAGEWATCH_REPORTS_DIR</code> moves it).</p>
${
  bases.length === 0
    ? html`<p>No reports yet.</p>`
    : html`<table><thead><tr><th scope="col">Report</th><th scope="col">Formats</th><th scope="col">Written (UTC)</th></tr></thead><tbody>${bases.map(
        (b) => {
          const mine = files.filter((f) => f.base === b);
          return html`<tr><td>${b}</td><td>${mine.map((f) => html`<a href="/reports/${encodeURIComponent(f.name)}">${f.format}</a> `)}</td><td>${isoUtc(mine.reduce((m, f) => Math.max(m, f.modified), -Infinity))}</td></tr>`;
        },
      )}</tbody></table>`
}`,
      ),
    );
  });
  router.get('/reports/:name', (req, res) => {
    const name = req.params.name;
    if (!SAFE_NAME.test(name) || name.includes('..')) throw new AppError('NOT_FOUND', 'no such report');
    const base = resolve(dir());
    const path = resolve(base, name);
    const ext = Object.keys(TYPES).find((e) => name.endsWith(e));
    if (!ext || !path.startsWith(base + sep) || !existsSync(path)) throw new AppError('NOT_FOUND', 'no such report');
    // reports are self-contained documents with inline CSS and SVG: allow exactly that, nothing else
    res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'");
    res.type(TYPES[ext]!);
    if (ext !== '.html' && ext !== '.svg') res.setHeader('Content-Disposition', `inline; filename="${name}"`);
    res.sendFile(path);
  });
  return router;
}
