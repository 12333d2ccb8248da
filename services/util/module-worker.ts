import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * A worker thread running the module `name` beside the module at `base` (its `import.meta.url`): `name.js` when
 * running the build (dist/), `name.ts` when running the TypeScript sources (tests, `npm run cli`, benchmarks under
 * tsx) — then tsx's loader is registered in the worker first (a worker does not inherit the loader hooks of the
 * thread that starts it). Starting one takes ~20 ms from the build and a few hundred from the sources (tsx compiles
 * them in the worker).
 */
export function moduleWorker(base: string, name: string): Worker {
  if (!base.endsWith('.ts')) return buildWorker(new URL(`./${name}.js`, base));
  const api = createRequire(base).resolve('tsx/esm/api');
  const entry = new URL(`./${name}.ts`, base).href;
  return new Worker(
    `import(${JSON.stringify(pathToFileURL(api).href.replace(/\.cjs$/, '.mjs'))}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`,
    { eval: true },
  );
}

/**
 * A worker thread running a module of the build. Without module loaders in the process (`npm start`, `node
 * dist/services/cli.js …`, with any Node options such as `--max-old-space-size`) it inherits the process's options
 * as Node passes them to threads. With loaders (a benchmark loading the build from a process started under tsx) it is
 * given the other options explicitly (`withoutLoaders`); Node refuses some options in a thread's list (per-process and
 * V8 options: `--max-old-space-size`, `--report-directory`; ERR_WORKER_INVALID_EXEC_ARGV), and then it gets none.
 */
export function buildWorker(url: URL, execArgv: readonly string[] = process.execArgv): Worker {
  const argv = withoutLoaders(execArgv);
  if (argv.length === execArgv.length) return new Worker(url);
  try {
    return new Worker(url, { execArgv: argv });
  } catch (err) {
    if ((err as { code?: unknown } | null)?.code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw err;
    return new Worker(url, { execArgv: [] });
  }
}

const LOADER_FLAGS = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader']);

/**
 * The process's Node options without module loaders and preloads (`--import tsx`, `-r …`): the build's worker runs
 * plain JavaScript, and a loader would cost it hundreds of milliseconds to start (a benchmark that loads the build
 * from a process started under tsx). Other options are kept (`buildWorker` falls back to none when Node refuses one
 * in a thread).
 */
export function withoutLoaders(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.indexOf('=');
    if (LOADER_FLAGS.has(eq < 0 ? a : a.slice(0, eq))) {
      if (eq < 0) i++; // its value is the next argument
      continue;
    }
    out.push(a);
  }
  return out;
}

/** Whether this process runs the build (dist/) rather than the TypeScript sources. */
export const runningBuild = !import.meta.url.endsWith('.ts');
