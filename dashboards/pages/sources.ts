/** `/sources`: per collector its last runs, errors, rows, checkpoints, backfill progress and coverage per entity. */
import { Router } from 'express';
import type { RunRow } from '../../db/store.js';
import type { AppDeps } from '../deps.js';
import { coverageWithGaps, type CoverageJson } from '../api/sources.js';
import type { CoverageSortKey, RunSortKey } from '../../db/listings.js';
import { health } from '../health.js';
import { html, layout } from '../html.js';
import { dataLinks, duration, pagedTableAsync, q, select, table, time, timeMode, tzToggle, keep, type Column } from './common.js';
import type { BackfillProgress } from '../../services/scheduler/backfill.js';

const secs = (iso: string) => Date.parse(iso) / 1000;

export function sourcesRouter(deps: AppDeps): Router {
  const router = Router();
  router.get('/sources', async (req, res) => {
    const mode = timeMode(req);
    const h = await health(deps, deps.dbWatch);
    const names = h.collectors.map((c) => c.name);
    const collector = q(req, 'collector');
    const pick = (name: string) => !collector || name === collector;
    const runFilter = { collector: collector || undefined };
    const covFilter = { collector: collector || undefined };
    // runs and coverage are counted and paged in SQL (issue 21): a page reads only its rows, on either backend
    const [runTotal, singleTotal, groups] = await Promise.all([
      deps.listings.countRuns(runFilter),
      deps.listings.countCoverage({ ...covFilter, part: 'singles' }),
      deps.listings.coverageGroups(covFilter),
    ]);
    const runCols: Array<Column<RunRow>> = [
      { key: 'id', label: 'Run', sort: (r) => r.id, cell: (r) => html`<a href="/api/sources/runs/${r.id}">${r.id}</a>` },
      { key: 'job', label: 'Job', sort: (r) => r.job, cell: (r) => r.job },
      { key: 'collector', label: 'Collector', sort: (r) => r.collector, cell: (r) => r.collector ?? '—' },
      { key: 'started', label: 'Started', sort: (r) => r.startedAt, cell: (r) => time(r.startedAt, mode, null) },
      {
        key: 'took',
        label: 'Took',
        sort: (r) => (r.finishedAt === null ? null : r.finishedAt - r.startedAt),
        cell: (r) => (r.finishedAt === null ? 'running' : duration(Math.max(60, r.finishedAt - r.startedAt))),
      },
      { key: 'status', label: 'Status', sort: (r) => r.status, cell: (r) => html`<span class="status-${r.status}">${r.status}</span>` },
      { key: 'rows', label: 'Rows', sort: (r) => r.rows, cell: (r) => r.rows },
      { key: 'windows', label: 'Windows ok / failed', cell: (r) => `${r.windowsOk} / ${r.windowsFailed}` },
      { key: 'error', label: 'Error', className: 'wrap', cell: (r) => (r.error ? html`<span class="error-text">${r.error}</span>` : '—') },
    ];
    const covCols: Array<Column<CoverageJson>> = [
      {
        key: 'entity',
        label: 'Entity',
        sort: (c) => c.entity,
        cell: (c) => (c.entity.startsWith('country:') ? html`<a href="/countries/${c.entity.slice(8)}">${c.entity}</a>` : c.entity),
      },
      { key: 'collector', label: 'Collector', sort: (c) => c.collector, cell: (c) => c.collector },
      { key: 'signal', label: 'Signal', sort: (c) => c.signal, cell: (c) => c.signal },
      { key: 'first', label: 'From', sort: (c) => c.first, cell: (c) => time(secs(c.first), mode, null) },
      { key: 'until', label: 'Complete until', sort: (c) => c.until, cell: (c) => time(secs(c.until), mode, null) },
      { key: 'ok', label: 'With data', sort: (c) => c.okSeconds, cell: (c) => duration(c.okSeconds) },
      {
        key: 'nodata',
        label: 'Source had no data',
        sort: (c) => c.noDataSeconds,
        cell: (c) => (c.noDataSeconds ? duration(c.noDataSeconds) : '—'),
      },
      {
        key: 'gaps',
        label: 'Gaps',
        sort: (c) => c.gaps.length,
        cell: (c) =>
          c.gaps.length
            ? html`${c.gaps.length}: ${c.gaps.slice(0, 3).map((g) => html`${g.from.slice(0, 10)}–${g.until.slice(0, 10)} `)}${c.gaps.length > 3 ? '…' : ''}`
            : 'none',
      },
      { key: 'updated', label: 'Updated', sort: (c) => c.updatedAt, cell: (c) => time(secs(c.updatedAt), mode, null) },
    ];
    const bfCols: Array<Column<BackfillProgress>> = [
      { key: 'collector', label: 'Collector', sort: (b) => b.collector, cell: (b) => b.collector },
      { key: 'entity', label: 'Entity', sort: (b) => b.entity, cell: (b) => b.entity },
      {
        key: 'percent',
        label: 'Covered',
        sort: (b) => b.percent,
        cell: (b) =>
          html`<progress max="100" value="${b.percent}" aria-label="${`${b.collector} ${b.entity} backfill`}">${b.percent}%</progress> ${b.percent}%${b.synthetic ? html` <span class="synthetic" title="the days with data are generated demo data">SYNTHETIC</span>` : ''}`,
      },
      { key: 'days', label: 'Days with data', sort: (b) => b.daysWithData, cell: (b) => b.daysWithData.toLocaleString('en-US') },
      { key: 'history', label: 'History kept', cell: (b) => html`${time(secs(b.from), mode, null)} to ${time(secs(b.until), mode, null)}` },
      {
        key: 'oldest',
        label: 'Oldest covered',
        sort: (b) => b.oldestCovered,
        cell: (b) => (b.oldestCovered ? time(secs(b.oldestCovered), mode, null) : '—'),
      },
      { key: 'pending', label: 'Windows pending', sort: (b) => b.pendingWindows, cell: (b) => b.pendingWindows },
      {
        key: 'next',
        label: 'Next window',
        cell: (b) =>
          b.nextWindow
            ? html`${b.nextWindow.reason}${b.nextWindow.eventId ? ` (${b.nextWindow.eventId})` : ''}: ${b.nextWindow.from.slice(0, 16)} to ${b.nextWindow.until.slice(0, 16)}`
            : '—',
      },
      { key: 'cadence', label: 'Live every', cell: (b) => (b.cadenceSeconds ? duration(b.cadenceSeconds) : '—') },
    ];
    const body = html`<h1>Sources</h1>
<p class="muted">What each collector did: runs, rows written, errors, how far each signal is complete (checkpoints) and how much history is backfilled.</p>
${tzToggle(req, mode, 'local time')}
<section aria-labelledby="collectors-h">
<h2 id="collectors-h">Collectors</h2>
<div class="table-wrap"><table id="collectors"><thead><tr><th scope="col">Collector</th><th scope="col">State</th><th scope="col">Last run</th><th scope="col">Rows</th><th scope="col">Last success</th><th scope="col">Last error</th></tr></thead><tbody>${h.collectors
      .filter((c) => pick(c.name))
      .map(
        (c) =>
          html`<tr><th scope="row">${c.name}<br><span class="muted">${c.description}</span></th><td class="state-${c.state}">${c.state}${c.failingSince ? html`<br><span class="error-text">failing since ${time(secs(c.failingSince), mode, null)}${c.lastError ? html`; last error: ${c.lastError.message}` : ''}</span>` : ''}${c.disabledReason ? html`<br><span class="muted">${c.disabledReason}</span>` : ''}</td><td>${c.lastRun ? html`${time(secs(c.lastRun.startedAt), mode, null)} (${c.lastRun.status})` : 'never'}</td><td>${c.lastRun ? c.lastRun.rows : '—'}</td><td>${c.lastSuccessAt ? time(secs(c.lastSuccessAt), mode, null) : '—'}</td><td>${c.lastError ? html`${time(secs(c.lastError.at), mode, null)}: <span class="error-text">${c.lastError.message}</span>` : '—'}</td></tr>`,
      )}</tbody></table></div>
${dataLinks('/api/sources', { runs: 0 }, 'Collectors and coverage')}
<p class="data-links">Health and backfill: <a href="/api/health" class="data-json">JSON</a></p>
</section>
<form class="filters" method="get" action="/sources" aria-label="Filter by collector">
${select('collector', 'Collector', collector, ['', ...names])}
${keep(req, ['tz'])}
<button type="submit">Show</button>
</form>
<section aria-labelledby="runs-h">
<h2 id="runs-h">Recent runs</h2>
${await pagedTableAsync(
  req,
  runTotal,
  (st, p) => deps.listings.pageRuns(runFilter, { key: st.key as RunSortKey, dir: st.dir }, p.offset, p.size),
  runCols,
  { key: 'id', dir: 'desc' },
  { id: 'runs', empty: 'No runs yet.', page: { size: 50, param: 'runs-page', label: 'runs' } },
)}
${dataLinks('/api/sources/runs', { collector: collector || undefined }, 'Runs')}
</section>
<section aria-labelledby="backfill-h">
<h2 id="backfill-h">Backfill progress</h2>
${h.backfillUnavailable ? html`<p class="muted unavailable">${h.backfillUnavailable}.</p>` : ''}
${table(
  req,
  h.backfill.filter((b) => pick(b.collector)),
  bfCols,
  { key: 'collector', dir: 'asc' },
  { id: 'backfill', empty: 'No backfill planned (no watched entities or no enabled collectors).' },
)}
</section>
<section aria-labelledby="coverage-h">
<h2 id="coverage-h">Coverage per entity (checkpoints)</h2>
${await pagedTableAsync(
  req,
  singleTotal,
  async (st, p) =>
    coverageWithGaps(
      deps,
      await deps.listings.pageCoverage(
        { ...covFilter, part: 'singles' },
        { key: st.key as CoverageSortKey, dir: st.dir },
        p.offset,
        p.size,
      ),
    ),
  covCols,
  { key: 'entity', dir: 'asc' },
  {
    id: 'coverage',
    empty: groups.length ? 'Only regional rows (below).' : 'No checkpoints yet.',
    page: { size: 100, param: 'coverage-page', label: 'coverage rows' },
  },
)}
${await Promise.all(
  groups.map(async (g) => {
    const part = { country: g.country, type: g.type };
    const id = `coverage-${g.country}-${g.type}`;
    return html`<details class="group coverage-group" id="${id}"><summary><strong>${g.country}: ${g.entities} ${g.type} entities</strong> <span class="muted">(${g.signals.join(', ')}) · ${time(g.first, mode, null)} to ${time(g.until, mode, null)} · ${g.gaps ? `${g.gaps} gap(s)` : 'no gaps'}</span></summary>
${await pagedTableAsync(
  req,
  g.rows,
  async (st, p) =>
    coverageWithGaps(
      deps,
      await deps.listings.pageCoverage({ ...covFilter, part }, { key: st.key as CoverageSortKey, dir: st.dir }, p.offset, p.size),
    ),
  covCols,
  { key: 'entity', dir: 'asc' },
  { page: { size: 100, param: `${id}-page`, anchor: id, label: `${g.country} ${g.type} coverage rows` } },
)}</details>`;
  }),
)}
${dataLinks('/api/sources', { collector: collector || undefined }, 'Coverage')}
${dataLinks('/api/sources/checkpoints', { collector: collector || undefined }, 'Checkpoints')}
</section>`;
    res.type('html').send(layout('Sources', body, { scripts: ['/static/page.js'] }));
  });
  return router;
}
