import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { upsertEvent } from '../../../db/calendar.js';
import { main } from '../../../services/cli.js';
import { gatherReport } from '../../../services/report/gather.js';
import { reportSchema } from '../../../services/report/model.js';
import { renderOutagesCsv, renderSeriesCsv } from '../../../services/report/render-csv.js';
import { renderHtml } from '../../../services/report/render-html.js';
import { renderMarkdown } from '../../../services/report/render-md.js';
import { reportCharts } from '../../../services/report/write.js';
import { sqliteRepositories } from '../../../db/sqlite-repositories.js';
import { tempStore } from '../../helpers.js';
import { buildReportFixture, HOSTILE_TITLE } from './fixture.js';

const NOW = Date.UTC(2026, 10, 27, 12) / 1000;
const golden = (name: string) => join(import.meta.dirname, '..', '..', 'fixtures', 'report', name);

function checkGolden(name: string, actual: string) {
  const path = golden(name);
  // a missing golden file fails (it is never written silently); UPDATE_GOLDEN=1 rewrites them on purpose
  if (process.env.UPDATE_GOLDEN) writeFileSync(path, actual);
  expect(existsSync(path), `${path} missing: run with UPDATE_GOLDEN=1 and review the diff`).toBe(true);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

function io() {
  let out = '';
  let err = '';
  return {
    io: {
      stdout: { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream,
      stderr: { write: (s: string) => ((err += s), true) } as unknown as NodeJS.WritableStream,
    },
    out: () => out,
    err: () => err,
  };
}

describe('reports', () => {
  let t: ReturnType<typeof tempStore>;
  afterEach(() => t?.cleanup());

  it('match the golden Markdown, HTML and JSON for a fixture database', async () => {
    t = tempStore();
    buildReportFixture(t.store);
    const r = await gatherReport(sqliteRepositories(t.store), { eventId: 'kz-2016-05-21-test' }, { version: '0.0.0-test', now: NOW });
    expect(() => reportSchema.parse(r)).not.toThrow();
    expect(r.verdict).toMatchObject({ connectivity: 'outage', services: 'blocking', label: 'both', blockedTargets: ['YOUTUBE'] });
    expect(r.outages.map((o) => o.onsetSeconds)).toEqual([-15 * 3600, 6 * 3600]);
    expect(r.summary[0]).toContain('a connectivity outage');
    expect(r.summary[0]).toContain('service blocking of YOUTUBE');
    const bgp = r.signals.find((s) => s.signal === 'ioda.bgp')!;
    expect(bgp.dropPercent).toBeCloseTo(60, 0);
    const charts = reportCharts(r);
    checkGolden('kz-2016-05-21-test.md', renderMarkdown(r, { 'ioda.bgp': 'charts/ioda.bgp.svg' }));
    checkGolden('kz-2016-05-21-test.html', renderHtml(r, charts));
    checkGolden('kz-2016-05-21-test.json', `${JSON.stringify(r, null, 2)}\n`);
  });

  it('hash is stable across runs and changes when one point changes', async () => {
    t = tempStore();
    buildReportFixture(t.store);
    const a = await gatherReport(sqliteRepositories(t.store), { eventId: 'kz-2016-05-21-test' }, { version: 'x', now: NOW });
    const b = await gatherReport(sqliteRepositories(t.store), { eventId: 'kz-2016-05-21-test' }, { version: 'x', now: NOW + 999 });
    expect(a.reproducibility.dataHash).toMatch(/^[0-9a-f]{64}$/);
    expect(b.reproducibility.dataHash).toBe(a.reproducibility.dataHash);
    const t2 = tempStore();
    try {
      buildReportFixture(t2.store, { bgpDipValue: 401 });
      const c = await gatherReport(sqliteRepositories(t2.store), { eventId: 'kz-2016-05-21-test' }, { version: 'x', now: NOW });
      expect(c.reproducibility.dataHash).not.toBe(a.reproducibility.dataHash);
    } finally {
      t2.cleanup();
    }
  });

  it('HTML is self-contained and escapes hostile titles; Markdown tables keep their columns; CSV neutralises formulas', async () => {
    t = tempStore();
    buildReportFixture(t.store, { title: HOSTILE_TITLE });
    const r = await gatherReport(sqliteRepositories(t.store), { eventId: 'kz-2016-05-21-test' }, { version: 'x', now: NOW });
    const html = renderHtml(r, reportCharts(r));
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toMatch(/<script|<link |src="http|href="\/\//i);
    expect(html).not.toMatch(/\b(src|href)="(?!https?:\/\/|#)/); // only outbound evidence links, nothing loaded
    expect(html).toContain('<svg');
    const md = renderMarkdown(r);
    expect(md).not.toContain('<img');
    for (const block of md.split('\n\n').filter((b) => b.startsWith('|'))) {
      const rows = block.split('\n');
      const cols = (line: string) => line.replace(/\\\|/g, '').split('|').length;
      for (const row of rows) expect(cols(row)).toBe(cols(rows[0]!));
    }
    const outagesCsv = renderOutagesCsv(r);
    expect(outagesCsv.split('\r\n')[0]).toBe(
      'entity,parent,scope,name,kind,severity,start_utc,end_utc,start_local,end_local,duration_seconds,onset_seconds,signals,targets,depth,lost_percent,hours,score,synthetic_data',
    );
    const series = renderSeriesCsv({
      ...r,
      series: [
        {
          signal: '=cmd|calc',
          synthetic: false,
          label: 'x',
          unit: null,
          sourceName: '@src',
          resolution: 'raw',
          bucketSeconds: 3600,
          points: [['2016-05-20T00:00:00Z', -1]],
        },
      ],
    });
    expect(series).toContain("'=cmd|calc,'@src,,2016-05-20T00:00:00Z,-1,false");
  });

  it('Markdown link targets keep their whole URL: ), <, > and spaces are percent-encoded', async () => {
    // a source URL with parentheses (Wikipedia-style) used to end the link early and leave the rest as text
    t = tempStore();
    buildReportFixture(t.store);
    const r = await gatherReport(sqliteRepositories(t.store), { eventId: 'kz-2016-05-21-test' }, { version: 'x', now: NOW });
    const url = 'https://en.wikipedia.org/wiki/Protests_(2016)<b>x</b> y';
    const md = renderMarkdown({ ...r, evidence: [{ ...r.evidence[0]!, label: 'Protests', url }] });
    expect(md).toContain('- [Protests](https://en.wikipedia.org/wiki/Protests_%282016%29%3Cb%3Ex%3C/b%3E%20y)');
    const line = md.split('\n').find((l) => l.startsWith('- [Protests]('))!;
    expect(line.slice(line.indexOf('](') + 2, -1)).not.toMatch(/[()<>\s]/);
    expect(decodeURIComponent(line.slice(line.indexOf('](') + 2, -1))).toBe(url);
  });

  it('an event with no data gives a clear insufficient-data report, not an error', async () => {
    t = tempStore();
    const quiet = Date.UTC(2019, 2, 19, 18) / 1000;
    upsertEvent(
      t.store.db,
      {
        id: 'kz-2019-03-20-quiet',
        title: 'Quiet day',
        country: 'KZ',
        places: [],
        start: quiet,
        end: quiet + 86400,
        tz: 'Asia/Almaty',
        allDay: true,
        kind: 'protest',
        sources: ['https://example.org/x'],
        notes: null,
        tags: [],
        origin: 'manual',
        originFile: null,
        originLine: null,
      },
      1_700_000_000,
    );
    const id = 'kz-2019-03-20-quiet';
    const out = io();
    const code = await main(
      ['report', '--db', t.path, '--event', id, '--format', 'md,json,html,csv', '--out', join(t.dir, 'reports')],
      out.io,
    );
    expect(out.err()).toBe('');
    expect(code).toBe(0);
    const paths = out.out().trim().split('\n');
    expect(
      paths.some((p) => p.endsWith('.md')) &&
        paths.some((p) => p.endsWith('.html')) &&
        paths.some((p) => p.endsWith('.json')) &&
        paths.some((p) => p.endsWith('.outages.csv')),
    ).toBe(true);
    const json = JSON.parse(
      readFileSync(
        paths.find((p) => p.endsWith('.json'))!,
        'utf8',
      ),
    );
    expect(json.verdict.label).toBe('insufficient-data');
    expect(json.summary[0]).toMatch(/There is not enough data to say what happened/);
    expect(
      readFileSync(
        paths.find((p) => p.endsWith('.md'))!,
        'utf8',
      ),
    ).toContain('This is not the same as “nothing happened”');
  });

  it('rejects bad usage with exit 2', async () => {
    t = tempStore();
    const c = io();
    expect(await main(['report', '--db', t.path], c.io)).toBe(2);
    expect(await main(['report', '--db', t.path, '--event', 'x', '--format', 'pdf'], c.io)).toBe(2);
    expect(c.err()).toContain('--format');
    expect(await main(['report', '--db', t.path, '--country', 'KZ', '--from', '2016-05-14'], c.io)).toBe(2);
    const missing = io();
    // an unknown id is bad usage like everywhere else: exit 2 with the command that lists the ids
    expect(await main(['report', '--db', t.path, '--event', 'no-such-event', '--out', join(t.dir, 'r')], missing.io)).toBe(2);
    expect(missing.err()).toBe('outagewatch: --event: no calendar event "no-such-event" (list the ids with `outagewatch calendar list`)\n');
  });
});
