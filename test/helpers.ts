import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { SqliteStore } from '../db/store.js';

/** A fresh temporary folder, removed by the returned cleanup. */
export function tempDir(prefix = 'ow-test-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A migrated store in a temporary file. */
export function tempStore(): { store: SqliteStore; path: string; dir: string; cleanup(): void } {
  const t = tempDir();
  const path = join(t.dir, 'test.db');
  const store = SqliteStore.open(path);
  return {
    store,
    path,
    dir: t.dir,
    cleanup() {
      store.close();
      t.cleanup();
    },
  };
}

export { seededRandom } from '../services/util/random.js';

/** stdout and stderr for `main(argv, io)`, captured as strings (what a user of the CLI would see). */
export function capture() {
  let out = '';
  let err = '';
  return {
    io: {
      stdout: { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream,
      stderr: { write: (s: string) => ((err += s), true) } as unknown as NodeJS.WritableStream,
    },
    get out() {
      return out;
    },
    get err() {
      return err;
    },
  };
}

/**
 * Serves a local stand-in (a source's API) on a free port of 127.0.0.1 for the tests of the enclosing describe block
 * (started in beforeAll, closed in afterAll); `onUrl` gets its `http://127.0.0.1:PORT` once it listens.
 */
export function serveDuringTests(server: Server, onUrl: (url: string) => void): void {
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    onUrl(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
}
