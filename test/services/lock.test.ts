import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../../core/package-root.js';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireLock, LockHeldError, lockPathFor } from '../../services/lock.js';
import { tempDir } from '../helpers.js';

/** Another process (a daemon) holding the lock on `db` until killed. */
async function holder(db: string): Promise<ChildProcess> {
  const mod = pathToFileURL(join(packageRoot(), 'services', 'lock.ts')).href;
  const proc = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `const { acquireLock } = await import(${JSON.stringify(mod)}); acquireLock(process.argv[1]); process.stdout.write('locked\\n'); setInterval(() => {}, 1000);`,
      db,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], cwd: packageRoot() },
  );
  await new Promise<void>((resolve, reject) => {
    let err = '';
    proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    proc.stdout!.on('data', (d: Buffer) => d.toString().includes('locked') && resolve());
    proc.on('exit', (code) => reject(new Error(`lock holder exited ${code}: ${err}`)));
  });
  return proc;
}

describe('daemon lock', () => {
  let t: ReturnType<typeof tempDir> | undefined;
  let proc: ChildProcess | undefined;
  afterEach(() => {
    proc?.kill('SIGKILL');
    proc = undefined;
    t?.cleanup();
  });

  it('a symlink to the database, or a symlinked folder, is the same database: the second lock is refused', async () => {
    // the hostile probe started a second daemon on one file by giving a symlinked path
    const dir = tempDir();
    t = dir;
    const real = join(dir.dir, 'real');
    mkdirSync(real);
    const db = join(real, 'ow.db');
    writeFileSync(db, '');
    symlinkSync(db, join(dir.dir, 'link.db'));
    symlinkSync(real, join(dir.dir, 'linkdir'));
    proc = await holder(db);
    expect(() => acquireLock(join(dir.dir, 'link.db'))).toThrow(LockHeldError);
    expect(() => acquireLock(join(dir.dir, 'linkdir', 'ow.db'))).toThrow(LockHeldError);
    expect(() => acquireLock(join(dir.dir, 'real', '..', 'real', 'ow.db'))).toThrow(LockHeldError);
    expect(lockPathFor(join(dir.dir, 'link.db'))).toBe(lockPathFor(db));
    proc.kill('SIGKILL');
    await new Promise((r) => proc!.once('exit', r));
    // the holder is gone: any of the names takes the (stale) lock over
    const again = acquireLock(join(dir.dir, 'link.db'));
    expect(again.path).toBe(`${db}.lock`);
    again.release();
    expect(existsSync(again.path)).toBe(false);
  });

  it("a database that does not exist yet locks beside its folder's real path", async () => {
    t = tempDir();
    mkdirSync(join(t.dir, 'data'));
    symlinkSync(join(t.dir, 'data'), join(t.dir, 'alias'));
    proc = await holder(join(t.dir, 'alias', 'new.db'));
    expect(() => acquireLock(join(t!.dir, 'data', 'new.db'))).toThrow(LockHeldError);
  });
});
