/**
 * Benchmark harness: `npm run bench [-- FILTER…]`.
 *
 * Runs every `bench/*.bench.ts` (or those whose name contains one of the FILTER words) in its own process,
 * reads the one JSON line each prints on stdout (`{"results":[{name, figure, unit, reference?, ratio?, target?, check?}]}`),
 * marks every figure that has a target `met` or `MISSED` (from its machine-readable `check`: which number, which
 * comparison, which value), prints a table and writes everything — each figure with its target and status beside
 * it — to `bench/results.json`. A benchmark's stderr (progress) passes through.
 * Exit 1 if any benchmark failed, printed no valid result line, or MISSED a target. `npm test` never runs them.
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
    /** The target in a form the harness can check: `{ of: 'figure', op: '<', value: 100 }` for "< 100 ms". */
    check: z
      .object({ of: z.enum(['figure', 'ratio']), op: z.enum(['<', '<=', '>', '>=']), value: z.number().finite() })
      .strict()
      .optional(),
  })
  .strict()
  .refine((r) => r.check === undefined || r.target !== undefined, {
    message: 'a check needs the target text it stands for',
    path: ['check'],
  })
  .refine((r) => r.check?.of !== 'ratio' || r.ratio !== undefined, { message: 'a check of the ratio needs a ratio', path: ['check'] });
export const benchOutputSchema = z.object({ results: z.array(resultSchema).min(1) }).strict();
export type BenchResult = z.infer<typeof resultSchema>;
export type TargetStatus = 'met' | 'MISSED' | 'unchecked' | null;

/** `met` or `MISSED` for a figure with a checkable target; `unchecked` for a target given only as text; null without one. */
export function targetStatus(r: BenchResult): TargetStatus {
  if (!r.check) return r.target === undefined ? null : 'unchecked';
  const x = r.check.of === 'figure' ? r.figure : r.ratio!;
  const v = r.check.value;
  const ok = r.check.op === '<' ? x < v : r.check.op === '<=' ? x <= v : r.check.op === '>' ? x > v : x >= v;
  return ok ? 'met' : 'MISSED';
}

/** What the harness writes to bench/results.json for one figure: the figure, its target, and met/MISSED beside it. */
export function withStatus(r: BenchResult): BenchResult & { status: TargetStatus } {
  return { ...r, status: targetStatus(r) };
}

/** One benchmark file's line on stderr: how long it took and how its targets fared — never "ok" over a miss. */
export function runSummary(r: BenchRun): string {
  if (!r.ok) return `FAILED (${r.error}) in ${r.seconds} s`;
  const s = r.results.map(targetStatus);
  const met = s.filter((x) => x === 'met').length;
  const missed = s.filter((x) => x === 'MISSED').length;
  const parts = [met ? `${met} target(s) met` : '', missed ? `${missed} MISSED` : ''].filter(Boolean);
  return `ran in ${r.seconds} s${parts.length ? `: ${parts.join(', ')}` : ': no targets'}`;
}

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
  const lines = stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('{'));
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
    const child = spawn(process.execPath, ['--import', 'tsx', join('bench', file)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: process.env,
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('error', (err) => resolve({ file, ok: false, exitCode: null, seconds: 0, error: err.message, results: [] }));
    child.on('close', (code) => {
      const seconds = Math.round(Number(process.hrtime.bigint() - started) / 1e7) / 100;
      const parsed = parseBenchOutput(stdout);
      if (typeof parsed === 'string')
        resolve({ file, ok: false, exitCode: code, seconds, error: code === 0 ? parsed : `exit code ${code}; ${parsed}`, results: [] });
      else resolve({ file, ok: code === 0, exitCode: code, seconds, error: code === 0 ? null : `exit code ${code}`, results: parsed });
    });
  });
}

const num = (x: number | undefined): string => {
  if (x === undefined) return '';
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString('en-US');
  return String(Math.round(x * 1000) / 1000);
};

/** A plain-text table: name, figure, unit, reference, ratio, target, and whether the target was met or MISSED. */
export function formatTable(runs: BenchRun[]): string {
  const head = ['name', 'figure', 'unit', 'reference', 'ratio', 'target', 'status'];
  const rows: string[][] = [];
  for (const r of runs) {
    for (const x of r.results)
      rows.push([x.name, num(x.figure), x.unit, num(x.reference), num(x.ratio), x.target ?? '', targetStatus(x) ?? '']);
    if (!r.ok) rows.push([r.file, 'FAILED', '', '', '', r.error ?? '', 'FAILED']);
  }
  const widths = head.map((h, i) => rows.reduce((m, row) => Math.max(m, row[i]!.length), h.length));
  const right = new Set([1, 3, 4]);
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
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
    process.stderr.write(`== ${f}: ${runSummary(r)}\n`);
    runs.push(r);
  }
  process.stdout.write(`${formatTable(runs)}\n`);
  const doc = {
    startedAt,
    machine: {
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? null,
      memoryBytes: totalmem(),
    },
    filters,
    benches: runs.map((r) => ({ ...r, results: r.results.map(withStatus) })),
  };
  writeFileSync(join(BENCH_DIR, 'results.json'), `${JSON.stringify(doc, null, 2)}\n`);
  const all = runs.flatMap((r) => r.results.map(targetStatus));
  const missed = all.filter((s) => s === 'MISSED').length;
  process.stdout.write(
    `targets: ${all.filter((s) => s === 'met').length} met, ${missed} MISSED${runs.some((r) => !r.ok) ? `, ${runs.filter((r) => !r.ok).length} benchmark(s) FAILED` : ''}\n`,
  );
  process.stderr.write('written bench/results.json\n');
  return runs.every((r) => r.ok) && missed === 0 ? 0 : 1;
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
