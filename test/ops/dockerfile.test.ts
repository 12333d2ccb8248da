import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';
import { OFFLINE_SOURCES_ENV } from '../offline-env.js';

// There is no Docker engine here: these tests check what can be checked without one.

const ROOT = join(import.meta.dirname, '..', '..');

interface Instruction {
  stage: number;
  keyword: string;
  args: string;
  line: number;
}
interface Stage {
  image: string;
  name: string | null;
}

/** Instructions of a Dockerfile, continuation lines joined, comments dropped, each tagged with its stage. */
function parseDockerfile(text: string): { stages: Stage[]; instructions: Instruction[] } {
  const stages: Stage[] = [];
  const instructions: Instruction[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1;
    let l = lines[i]!;
    if (/^\s*(#|$)/.test(l)) continue;
    while (l.endsWith('\\') && i + 1 < lines.length) {
      i++;
      const next = lines[i]!;
      if (/^\s*#/.test(next)) continue;
      l = `${l.slice(0, -1)} ${next.trim()}`;
    }
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(l);
    if (!m) throw new Error(`Dockerfile:${start}: cannot parse "${l}"`);
    const keyword = m[1]!.toUpperCase();
    const args = m[2]!.trim();
    if (keyword === 'FROM') {
      const f = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!f) throw new Error(`Dockerfile:${start}: bad FROM`);
      stages.push({ image: f[1]!, name: f[2] ?? null });
    }
    instructions.push({ stage: stages.length - 1, keyword, args, line: start });
  }
  return { stages, instructions };
}

/** `--flag=value` options and the remaining words of a COPY. */
function copyArgs(args: string): { flags: Record<string, string>; sources: string[]; dest: string } {
  const words = args.startsWith('[') ? (JSON.parse(args) as string[]) : args.split(/\s+/);
  const flags: Record<string, string> = {};
  while (words[0]?.startsWith('--')) {
    const [k, v] = words.shift()!.slice(2).split('=');
    flags[k!] = v ?? '';
  }
  const dest = words.pop()!;
  return { flags, sources: words, dest };
}

/** .dockerignore matching (root-relative patterns, `*`, `**`, `!` exceptions): is `path` left out of the context? */
function ignored(patterns: string[], path: string): boolean {
  const toRe = (p: string) =>
    new RegExp(
      `^${p
        .replace(/^\/+|\/+$/g, '')
        .split('/')
        .map((seg) =>
          seg === '**'
            ? '.*'
            : seg
                .replace(/[.+^${}()|[\]\\]/g, '\\$&')
                .replace(/\*/g, '[^/]*')
                .replace(/\?/g, '[^/]'),
        )
        .join('/')
        .replace(/\.\*\//g, '(?:.*/)?')}(?:/.*)?$`,
    );
  let out = false;
  for (const p of patterns) {
    if (p.startsWith('!')) {
      if (toRe(p.slice(1)).test(path)) out = false;
    } else if (toRe(p).test(path)) out = true;
  }
  return out;
}

/**
 * Repo-relative paths the program reads at run time, found in its sources: `join(packageRoot(), 'a', 'b')`,
 * and constants like `SEED_FILE = 'db/seeds/calendar.json'` or `X_FILE = join('db', 'seeds', 'x.csv')`.
 */
function runtimeReads(): Set<string> {
  const reads = new Set<string>();
  const literals = (args: string) => [...args.matchAll(/'([^']+)'/g)].map((m) => m[1]!).join('/');
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) {
        const src = readFileSync(p, 'utf8');
        for (const m of src.matchAll(/packageRoot\(\),\s*((?:'[^']+'(?:,\s*)?)+)\)/g)) reads.add(literals(m[1]!));
        for (const m of src.matchAll(/_(?:FILE|DIR|PATH)\s*=\s*'([^']+\/[^']+)'/g)) reads.add(m[1]!);
        for (const m of src.matchAll(/_(?:FILE|DIR|PATH)\s*=\s*join\(((?:'[^']+'(?:,\s*)?)+)\)/g)) reads.add(literals(m[1]!));
      }
    }
  };
  for (const d of ['core', 'collectors', 'db', 'services', 'dashboards']) walk(join(ROOT, d));
  // keep repo paths (a constant like OONI's `_PATH = '/api/v1/aggregation'` is a URL path, not a file)
  return new Set([...reads].filter((r) => !r.startsWith('/') && existsSync(join(ROOT, r.split('/')[0]!))));
}

const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const { stages, instructions } = parseDockerfile(dockerfile);
const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));
const runtimeStage = stages.length - 1;
const inStage = (stage: number, keyword: string) => instructions.filter((i) => i.stage === stage && i.keyword === keyword);
const buildStage = stages.findIndex((s) => s.name === 'build');

describe('Dockerfile (static checks)', () => {
  it('builds with the full toolchain and runs on the slim image', () => {
    expect(stages).toHaveLength(2);
    expect(stages[buildStage]?.image).toBe('node:24-bookworm');
    expect(stages[runtimeStage]?.image).toBe('node:24-bookworm-slim');
    const buildRuns = inStage(buildStage, 'RUN')
      .map((r) => r.args)
      .join('\n');
    expect(buildRuns).toMatch(/apt-get install[^\n]*python3[^\n]*make[^\n]*g\+\+/);
    expect(buildRuns).toMatch(/npm ci\b/);
    expect(buildRuns).toMatch(/npm run build/);
    expect(buildRuns).toMatch(/npm prune --omit=dev/);
    // nothing is installed or compiled in the runtime stage
    expect(
      inStage(runtimeStage, 'RUN')
        .map((r) => r.args)
        .join('\n'),
    ).not.toMatch(/npm|apt-get/);
  });

  it('every COPY source from the build context exists and is not excluded by .dockerignore', () => {
    const copies = instructions.filter((i) => (i.keyword === 'COPY' || i.keyword === 'ADD') && !copyArgs(i.args).flags.from);
    expect(copies.length).toBeGreaterThan(3);
    for (const c of copies) {
      expect(c.keyword, `Dockerfile:${c.line}: use COPY`).toBe('COPY');
      for (const src of copyArgs(c.args).sources) {
        expect(existsSync(join(ROOT, src)), `Dockerfile:${c.line}: ${src} does not exist`).toBe(true);
        expect(ignored(ignore, src.replace(/^\.\//, '')), `Dockerfile:${c.line}: ${src} is excluded by .dockerignore`).toBe(false);
      }
    }
    // and the context leaves out local state and build output
    for (const p of ['node_modules/x', 'dist/services/cli.js', 'data/outagewatch.db', '.git/HEAD', 'sub/dir/x.db'])
      expect(ignored(ignore, p), p).toBe(true);
  });

  it('the runtime stage copies only from the build stage what the build stage assembled', () => {
    const assembly = inStage(buildStage, 'RUN').find((r) => r.args.includes('mkdir -p /runtime'));
    expect(assembly, 'a RUN assembling /runtime').toBeDefined();
    for (const c of inStage(runtimeStage, 'COPY')) {
      const { flags, sources } = copyArgs(c.args);
      expect(flags.from, `Dockerfile:${c.line}: the runtime copies from the build stage only`).toBe('build');
      for (const s of sources) expect(s.startsWith('/runtime'), `Dockerfile:${c.line}: ${s}`).toBe(true);
    }
  });

  it('the command runs a file the build produces, as a non-root user with data in /data', () => {
    const cmd = inStage(runtimeStage, 'CMD');
    expect(cmd).toHaveLength(1);
    const argv = JSON.parse(cmd[0]!.args) as string[]; // exec form: signals reach node directly
    expect(argv).toEqual(['node', 'dist/services/cli.js', 'start']);
    // tsc -p tsconfig.build.json compiles services/cli.ts to dist/services/cli.js
    const build = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as {
      include: string[];
      compilerOptions: { noEmit?: boolean };
    };
    const base = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8')) as { compilerOptions: { outDir: string; rootDir: string } };
    expect(build.include).toContain('services');
    expect(build.compilerOptions.noEmit).toBe(false);
    expect([base.compilerOptions.outDir, base.compilerOptions.rootDir]).toEqual(['dist', '.']);
    expect(existsSync(join(ROOT, 'services', 'cli.ts'))).toBe(true);
    expect(existsSync(join(ROOT, argv[1]!)), `${argv[1]} exists after npm run build`).toBe(true);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.build).toContain('tsconfig.build.json');

    const user = inStage(runtimeStage, 'USER');
    expect(user.map((u) => u.args)).toEqual(['node']);
    const env = inStage(runtimeStage, 'ENV')
      .map((e) => e.args)
      .join(' ');
    expect(env).toContain('OUTAGEWATCH_DB=/data/outagewatch.db');
    expect(env).toContain('OUTAGEWATCH_HOST=0.0.0.0');
    expect(env).toContain('NODE_ENV=production');
    expect(
      inStage(runtimeStage, 'VOLUME')
        .map((v) => v.args)
        .join(' '),
    ).toContain('/data');
    expect(inStage(runtimeStage, 'EXPOSE').map((v) => v.args)).toEqual(['8080']);
    const hc = inStage(runtimeStage, 'HEALTHCHECK');
    expect(hc).toHaveLength(1);
    expect(hc[0]!.args).toContain('/api/health');
    expect(hc[0]!.args).not.toMatch(/curl|wget/); // not in the slim image
  });

  it('every file and folder the program reads at run time reaches the runtime image', () => {
    const assembly = inStage(buildStage, 'RUN').find((r) => r.args.includes('mkdir -p /runtime'))!.args;
    const found = /find ((?:[\w.-]+ )+)-type f/.exec(assembly);
    expect(found, 'the assembly copies non-TypeScript files with find').not.toBeNull();
    const shipped = new Set(found![1]!.trim().split(' '));
    const reads = runtimeReads();
    expect(reads.has('db/migrations'), 'migrations are read through packageRoot()').toBe(true);
    expect(reads.has('dashboards/public'), 'dashboard assets are read through packageRoot()').toBe(true);
    for (const r of reads) {
      const top = r.split('/')[0]!;
      const ok = shipped.has(top) || ['node_modules', 'package.json', 'dist'].includes(top);
      expect(ok, `${r} is read at run time but not copied into the image`).toBe(true);
      if (shipped.has(top) && existsSync(join(ROOT, r)) && statSync(join(ROOT, r)).isDirectory()) {
        const files = readdirSync(join(ROOT, r), { recursive: true }).map(String);
        expect(
          files.some((f) => !f.endsWith('.ts') || r.startsWith('dashboards/public')),
          `${r} has files the assembly keeps`,
        ).toBe(true);
      }
    }
  });
});

describe('Docker runtime stage, emulated without Docker', () => {
  const t = tempDir('ow-docker-');
  afterAll(() => t.cleanup());

  it('runs the daemon with production dependencies only: /api/health answers, the HEALTHCHECK passes, SIGTERM stops it', async () => {
    // 1. the build stage after `npm run build`: sources + dist + full node_modules (hard links: fast, no recompile)
    const ctx = join(t.dir, 'app');
    for (const f of ['package.json', 'package-lock.json', '.npmrc', 'core', 'collectors', 'db', 'services', 'dashboards', 'dist']) {
      if (existsSync(join(ROOT, f))) cpSync(join(ROOT, f), join(ctx, f), { recursive: true });
    }
    const link = spawnSync('cp', ['-al', join(ROOT, 'node_modules'), join(ctx, 'node_modules')]);
    expect(link.status, link.stderr.toString()).toBe(0);
    // npm rewrites these files: give the copy its own inode so the checkout's node_modules is untouched
    for (const f of ['node_modules/.package-lock.json']) {
      rmSync(join(ctx, f), { force: true });
      if (existsSync(join(ROOT, f))) cpSync(join(ROOT, f), join(ctx, f));
    }

    // 2. the Dockerfile's own assembly step (npm prune --omit=dev, then copy into /runtime), offline
    const out = join(t.dir, 'runtime');
    const assembly = inStage(buildStage, 'RUN').find((r) => r.args.includes('mkdir -p /runtime'))!.args;
    const script = assembly.replaceAll('/runtime', out).replace('npm prune', 'npm prune --offline');
    const run = spawnSync('sh', ['-c', script], {
      cwd: ctx,
      encoding: 'utf8',
      env: { ...process.env, npm_config_update_notifier: 'false' },
      timeout: 90_000,
    });
    expect(run.status, run.stderr).toBe(0);
    for (const dev of ['vitest', 'typescript', 'tsx', 'nock', 'pino-pretty', 'playwright-core', 'supertest'])
      expect(existsSync(join(out, 'node_modules', dev)), `${dev} pruned`).toBe(false);
    expect(existsSync(join(out, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'))).toBe(true);
    expect(existsSync(join(ROOT, 'node_modules', 'vitest')), 'the checkout keeps its dev dependencies').toBe(true);
    const sources = readdirSync(out, { recursive: true })
      .map(String)
      .filter(
        (f) => !f.startsWith('node_modules') && !f.startsWith('dist') && f.endsWith('.ts') && !f.startsWith(join('dashboards', 'public')),
      );
    expect(sources, 'no TypeScript sources in the image').toEqual([]);
    expect(existsSync(join(out, 'db', 'migrations', '0001-init.sql'))).toBe(true);
    for (const r of runtimeReads())
      if (existsSync(join(ROOT, r))) expect(existsSync(join(out, r)), `${r} is read at run time: in the image`).toBe(true);

    // 3. the container's command, with the image's environment (loopback and a free port instead of 0.0.0.0:8080)
    const data = join(t.dir, 'data');
    mkdirSync(data); // the volume exists in the image
    const envLine = inStage(runtimeStage, 'ENV')
      .map((e) => e.args)
      .join(' ');
    const imageEnv = Object.fromEntries([...envLine.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]));
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: t.dir,
      ...imageEnv,
      OUTAGEWATCH_DB: join(data, 'outagewatch.db'),
      OUTAGEWATCH_HOST: '127.0.0.1',
      OUTAGEWATCH_PORT: '0',
      LOG_LEVEL: 'info',
      ...OFFLINE_SOURCES_ENV,
    };
    const argv = JSON.parse(inStage(runtimeStage, 'CMD')[0]!.args) as string[];
    const child = spawn(argv[0]!, argv.slice(1), { cwd: out, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`daemon did not start in 60 s\nstdout: ${stdout}\nstderr: ${stderr}`)), 60_000);
        const check = () => {
          const m = /dashboard at (http:\/\/\S+)/.exec(stdout);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        };
        child.stdout.on('data', check);
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`daemon exited with ${code}\nstdout: ${stdout}\nstderr: ${stderr}`));
        });
      });
      const res = await fetch(`${url}/api/health`);
      expect(res.status).toBe(200);
      const health = (await res.json()) as { status: string; database: { path: string; schemaVersion: number } };
      expect(['ok', 'degraded'], 'sources are offline in this test, so a failed first run may already show').toContain(health.status);
      expect(health.database.path).toBe(join(data, 'outagewatch.db'));
      expect(health.database.schemaVersion).toBeGreaterThan(0);
      const metrics = await fetch(`${url}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain('outagewatch_collector_runs_total');

      // the image's HEALTHCHECK command, against this port
      const hc = /CMD\s+(\[.*\])$/.exec(inStage(runtimeStage, 'HEALTHCHECK')[0]!.args);
      const hcArgv = JSON.parse(hc![1]!) as string[];
      const port = new URL(url).port;
      const probe = spawnSync(hcArgv[0]!, hcArgv.slice(1), { env: { ...env, OUTAGEWATCH_PORT: port }, timeout: 10_000 });
      expect(probe.status, 'HEALTHCHECK passes').toBe(0);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited, `clean exit on SIGTERM\nstderr: ${stderr}`).toBe(0);
    // about 30 s on an idle 2-core machine (a pruning npm run and a daemon start); CI runs the suite twice (Node 20, 24)
  }, 150_000);
});
