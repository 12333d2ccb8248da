import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildWorker, withoutLoaders } from '../../../services/util/module-worker.js';
import { tempDir } from '../../helpers.js';

/** The Node options a build's worker thread started with (a module of the build that sends them back). */
async function optionsInThread(execArgv: string[]): Promise<string[]> {
  const d = tempDir();
  try {
    const file = join(d.dir, 'echo.js');
    writeFileSync(file, "import { parentPort } from 'node:worker_threads';\nparentPort.postMessage(process.execArgv);\n");
    const w = buildWorker(pathToFileURL(file), execArgv);
    try {
      return await new Promise<string[]>((resolve, reject) => {
        w.once('message', resolve);
        w.once('error', reject);
      });
    } finally {
      await w.terminate();
    }
  } finally {
    d.cleanup();
  }
}

describe("the build's worker threads start without the process's module loaders", () => {
  it('drops --import, --require, -r and --loader with their values, keeps the other Node options', () => {
    // what `npx tsx bench/…` gives the process (tsx's preload and loader), with options a user may add
    const argv = [
      '--require',
      '/app/node_modules/tsx/dist/preflight.cjs',
      '--import',
      'file:///app/node_modules/tsx/dist/loader.mjs',
      '--max-old-space-size=4096',
      '-r',
      'dotenv/config',
      '--loader=ts-node/esm',
      '--experimental-loader',
      'x.mjs',
      '--import=tsx',
      '--enable-source-maps',
    ];
    expect(withoutLoaders(argv)).toEqual(['--max-old-space-size=4096', '--enable-source-maps']);
    expect(withoutLoaders([])).toEqual([]);
  });

  it('a thread starts whatever options the process has: Node refuses per-process and V8 ones in a thread', async () => {
    // `node --max-old-space-size=2048 dist/services/cli.js detect` failed with ERR_WORKER_INVALID_EXEC_ARGV before
    // any signal was judged, and the country page's correlation answered 500 under `--report-directory`
    const loaders = ['--import', 'tsx'];
    // no loader in the process: the thread inherits the process's options as Node passes them
    await expect(optionsInThread(['--max-old-space-size=256', '--report-directory=/tmp'])).resolves.toBeInstanceOf(Array);
    // loaders dropped, options a thread accepts kept
    expect(await optionsInThread([...loaders, '--enable-source-maps'])).toEqual(['--enable-source-maps']);
    // loaders dropped and an option refused in a thread: the thread starts with none
    expect(await optionsInThread([...loaders, '--max-old-space-size=256', '--enable-source-maps'])).toEqual([]);
  });
});
