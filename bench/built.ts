/**
 * The build (dist/) as users run it (`npm start`, `outagewatch …`): benchmarks that time what a user waits for load
 * it rather than the TypeScript sources under tsx — the code is the same, but only the build starts worker threads
 * (`defaultJudgeThreads`) and starts them in milliseconds.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The built CLI (`outagewatch` as installed). */
export const BUILT_CLI = join(ROOT, 'dist', 'services', 'cli.js');
const SOURCE_DIRS = ['core', 'db', 'collectors', 'services', 'dashboards'];

/** TypeScript sources under `dir` (recursive). */
function sources(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) sources(p, out);
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** The first source whose built file is missing or older than it (null: the build is up to date). */
export function staleSource(): string | null {
  for (const d of SOURCE_DIRS)
    for (const src of sources(join(ROOT, d))) {
      const js = join(ROOT, 'dist', relative(ROOT, src)).replace(/\.ts$/, '.js');
      if (!existsSync(js) || statSync(js).mtimeMs < statSync(src).mtimeMs) return relative(ROOT, src);
    }
  return null;
}

/** Builds dist/ (`npm run build`) when a source is newer than its built file. */
export function ensureBuild(log: (msg: string) => void): void {
  const stale = staleSource();
  if (stale === null) return;
  log(`the build is older than ${stale}: building dist/ first (npm run build)`);
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' });
}

/** A module of the build, by its source path from the repository root (`db/store.ts`). */
export async function importBuilt<T>(source: string): Promise<T> {
  return (await import(pathToFileURL(join(ROOT, 'dist', source.replace(/\.ts$/, '.js'))).href)) as T;
}
