/**
 * Report benchmark (issue 21): `outagewatch report --country KZ --from 2014-01-01 --until 2024-01-01` in all four
 * formats on the shared ten-year database (`bench/tenyear-db.ts`, 2.8 M points), as a user runs it: the CLI's own
 * `main` in a fresh child process, so its peak memory is the report's alone. Beside it, its floor in the same run:
 * one scan inside SQLite of every point the report covers (count, min, max per signal). Also the `--full-csv`
 * export (every point, streamed). Targets: under 10 s and under 500 MB peak; files in megabytes.
 * Prints one JSON line on stdout; progress on stderr.
 *
 *   npx tsx bench/report-10y.bench.ts
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteStore } from '../db/store.js';
import { medianMs, peakRssMb, TEN_ENTITY, TEN_FROM, TEN_UNTIL, tenYearDb } from './tenyear-db.js';

const log = (msg: string) => process.stderr.write(`[report-10y.bench] ${msg}\n`);

interface ChildResult {
  code: number;
  ms: number;
  rssMb: number;
  err: string;
}

async function child(): Promise<void> {
  const { main } = await import('../services/cli.js');
  const args = JSON.parse(process.env.OW_REPORT_ARGS!) as string[];
  let err = '';
  const io = {
    stdout: { write: () => true } as unknown as NodeJS.WritableStream,
    stderr: { write: (s: string) => ((err += s), true) } as unknown as NodeJS.WritableStream,
  };
  const t = process.hrtime.bigint();
  const code = await main(args, io);
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  process.send?.({ code, ms, rssMb: peakRssMb(), err } satisfies ChildResult);
}

function runReport(args: string[]): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const c = fork(fileURLToPath(import.meta.url), [], {
      env: { ...process.env, OW_REPORT_CHILD: '1', OW_REPORT_ARGS: JSON.stringify(args) },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    let got: ChildResult | null = null;
    c.once('message', (m) => (got = m as ChildResult));
    c.once('exit', (code) => (got ? resolve(got) : reject(new Error(`report child exited with ${code}`))));
  });
}

async function main(): Promise<void> {
  const db = tenYearDb();
  const store = SqliteStore.open(db.path, { readonly: true });
  const ids = store.listSignals(TEN_ENTITY).map((s) => s.id);
  const scan = store.db.prepare('SELECT count(*), min(value), max(value) FROM points WHERE signal_id = ? AND ts >= ? AND ts < ?').raw(true);
  const floorMs = medianMs(() => {
    for (const id of ids) scan.get(id, TEN_FROM - 7 * 86400, TEN_UNTIL);
  });
  store.close();
  log(`floor (SQLite scan of ${db.points} points): ${floorMs} ms`);
  const out = mkdtempSync(join(tmpdir(), 'ow-report-bench-'));
  try {
    const base = ['report', '--db', db.path, '--country', 'KZ', '--from', '2014-01-01', '--until', '2023-12-31', '--out', out];
    const runs: ChildResult[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await runReport([...base, '--format', 'md,html,csv,json']);
      if (r.code !== 0) throw new Error(`report failed (${r.code}): ${r.err.slice(0, 500)}`);
      log(`report run ${i + 1}: ${Math.round(r.ms)} ms, peak ${r.rssMb} MB`);
      runs.push(r);
    }
    runs.sort((a, b) => a.ms - b.ms);
    const med = runs[1]!;
    const peak = runs.reduce((m, r) => Math.max(m, r.rssMb), 0);
    let bytes = 0;
    for (const f of readdirSync(out, { recursive: true }) as string[]) {
      const st = statSync(join(out, f));
      if (st.isFile()) bytes += st.size;
    }
    const full = await runReport([...base, '--format', 'json', '--full-csv']);
    if (full.code !== 0) throw new Error(`report --full-csv failed: ${full.err.slice(0, 500)}`);
    const fullCsv = readdirSync(out).find((f) => f.endsWith('.points.csv'))!;
    const fullBytes = statSync(join(out, fullCsv)).size;
    log(`--full-csv: ${Math.round(full.ms)} ms, peak ${full.rssMb} MB, ${(fullBytes / 1e6).toFixed(1)} MB`);
    const r3 = (x: number) => Math.round(x * 1000) / 1000;
    const results = [
      {
        name: 'report.10y.all-formats',
        figure: Math.round(med.ms),
        unit: 'ms',
        reference: floorMs,
        ratio: r3(med.ms / floorMs),
        target: '< 10000 ms',
        check: { of: 'figure' as const, op: '<' as const, value: 10000 },
      },
      {
        name: 'report.10y.peak-rss',
        figure: peak,
        unit: 'MB',
        target: '< 500 MB',
        check: { of: 'figure' as const, op: '<' as const, value: 500 },
      },
      {
        name: 'report.10y.files',
        figure: r3(bytes / 1e6),
        unit: 'MB',
        target: 'megabytes, not hundreds (< 100 MB)',
        check: { of: 'figure' as const, op: '<' as const, value: 100 },
      },
      { name: 'report.10y.floor.sqlite-scan', figure: floorMs, unit: 'ms' },
      { name: 'report.10y.full-csv', figure: Math.round(full.ms), unit: 'ms', reference: floorMs, ratio: r3(full.ms / floorMs) },
      { name: 'report.10y.full-csv.peak-rss', figure: full.rssMb, unit: 'MB' },
      { name: 'report.10y.full-csv.size', figure: r3(fullBytes / 1e6), unit: 'MB' },
    ];
    process.stdout.write(`${JSON.stringify({ results })}\n`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

if (process.env.OW_REPORT_CHILD) {
  child().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
} else {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
