import { describe, expect, it } from 'vitest';
import { withoutLoaders } from '../../../services/util/module-worker.js';

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
});
