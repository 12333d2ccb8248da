/**
 * Benchmark harness: `npm run bench [-- FILTER…]`.
 *
 * Runs every `bench/*.bench.ts` (or those whose name contains one of the FILTER words) in its own process,
 * reads the one JSON line each prints on stdout (`{"results":[{name, figure, unit, reference?, ratio?, target?}]}`),
 * prints a table and writes everything to `bench/results.json`. A benchmark's stderr (progress) passes through.
 * Exit 1 if any benchmark failed or printed no valid result line. Benchmarks are not tests: `npm test` never runs them.
 */
import { spawn } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH_DIR);

export const resultSchema = z
  .object({
    name: z.string().min(1),
    figure: z.number().finite(),
    unit: z.string().min(1),
    reference: z.number().finite().optional(),
    ratio: z.number().finite().optional(),
    target: z.string().optional(),
  })
  .strict();
export const benchOutputSchema = z.object({ results: z.array(resultSchema).min(1) }).strict();
export type BenchResult = z.infer<typeof resultSchema>;

export interface BenchRun {
  file: string;
  ok: boolean;
  exitCode: number | null;
  seconds: number;
  error: string | null;
  results: BenchResult[];
}

/** The benchmark files, optionally filtered by words that must appear in the file name (any of them). */
export function findBenches(filters: string[], dir = BENCH_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => filters.length === 0 || filters.some((w) => f.includes(w)))
    .sort();
}

/** The last stdout line that is a valid result document (a benchmark may print other lines before it). */
export function parseBenchOutput(stdout: string): BenchResult[] | string {
  const lines = stdout.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('{'));
  let problem = 'no JSON line on stdout';
  for (const line of lines.reverse()) {
    let data: unknown;
    try {
      data = JSON.parse(line);
    } catch {
      problem = 'stdout line is not valid JSON';
      continue;
    }
    const parsed = benchOutputSchema.safeParse(data);
    if (parsed.success) return parsed.data.results;
    problem = `result line does not match {"results":[{name,figure,unit,...}]}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`;
  }
  return problem;
}

function runOne(file: string): Promise<BenchRun> {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, ['--import', 'tsx', join('bench', file)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('error', (err) => resolve({ file, ok: false, exitCode: null, seconds: 0, error: err.message, results: [] }));
    child.on('close', (code) => {
      const seconds = Math.round(Number(process.hrtime.bigint() - started) / 1e7) / 100;
      const parsed = parseBenchOutput(stdout);
      if (typeof parsed === 'string') resolve({ file, ok: false, exitCode: code, seconds, error: code === 0 ? parsed : `exit code ${code}; ${parsed}`, results: [] });
      else resolve({ file, ok: code === 0, exitCode: code, seconds, error: code === 0 ? null : `exit code ${code}`, results: parsed });
    });
  });
}

const num = (x: number | undefined): string => {
  if (x === undefined) return '';
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString('en-US');
  return String(Math.round(x * 1000) / 1000);
};

/** A plain-text table: name, figure, unit, reference, ratio, target. */
export function formatTable(runs: BenchRun[]): string {
  const head = ['name', 'figure', 'unit', 'reference', 'ratio', 'target'];
  const rows: string[][] = [];
  for (const r of runs) {
    for (const x of r.results) rows.push([x.name, num(x.figure), x.unit, num(x.reference), num(x.ratio), x.target ?? '']);
    if (!r.ok) rows.push([r.file, 'FAILED', '', '', '', r.error ?? '']);
  }
  const widths = head.map((h, i) => rows.reduce((m, row) => Math.max(m, row[i]!.length), h.length));
  const right = new Set([1, 3, 4]);
  const line = (cells: string[]) => cells.map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

async function main(): Promise<number> {
  const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const files = findBenches(filters);
  if (files.length === 0) {
    process.stderr.write(`no benchmark matches ${filters.join(' ')} (bench/*.bench.ts)\n`);
    return 2;
  }
  const startedAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const runs: BenchRun[] = [];
  for (const f of files) {
    process.stderr.write(`== ${f}\n`);
    const r = await runOne(f);
    process.stderr.write(`== ${f}: ${r.ok ? 'ok' : `FAILED (${r.error})`} in ${r.seconds} s\n`);
    runs.push(r);
  }
  process.stdout.write(`${formatTable(runs)}\n`);
  const doc = {
    startedAt,
    machine: { node: process.version, platform: `${process.platform}-${process.arch}`, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? null, memoryBytes: totalmem() },
    filters,
    benches: runs,
  };
  writeFileSync(join(BENCH_DIR, 'results.json'), `${JSON.stringify(doc, null, 2)}\n`);
  process.stderr.write('written bench/results.json\n');
  return runs.every((r) => r.ok) ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
