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
  if (!base.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, base));
  const api = createRequire(base).resolve('tsx/esm/api');
  const entry = new URL(`./${name}.ts`, base).href;
  return new Worker(
    `import(${JSON.stringify(pathToFileURL(api).href.replace(/\.cjs$/, '.mjs'))}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`,
    { eval: true },
  );
}

/** Whether this process runs the build (dist/) rather than the TypeScript sources. */
export const runningBuild = !import.meta.url.endsWith('.ts');
