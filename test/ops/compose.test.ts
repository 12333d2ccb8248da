import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { BASE_ENV_SETTINGS } from '../../core/config.js';
import { parseDbLocation } from '../../core/db-location.js';
import { buildProgram } from '../../services/cli.js';

// There is no Docker engine here: compose.yaml (outagewatch with PostgreSQL 15, issue 23) is checked for what can
// be checked without one — it parses as YAML, holds the services a user expects with their health checks, points
// every outagewatch container at the PostgreSQL service, publishes the dashboard's port, and runs only commands
// and options the CLI has (a renamed command or flag would otherwise be found by the first user to run it).

const ROOT = join(import.meta.dirname, '..', '..');

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}

function load(): { services: Record<string, Service>; volumes?: Record<string, unknown> } {
  const doc = parseDocument(readFileSync(join(ROOT, 'compose.yaml'), 'utf8'), { merge: true });
  expect(doc.errors.map((e) => e.message)).toEqual([]);
  return doc.toJS({ maxAliasCount: 100 }) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
}

/** The subcommand of `program` that `argv` names, and the long options it was given; throws for an unknown one. */
function resolveCommand(program: Command, argv: readonly string[]): { command: Command; options: string[] } {
  let cmd = program;
  let i = 0;
  while (i < argv.length && !argv[i]!.startsWith('-')) {
    const next = cmd.commands.find((c) => c.name() === argv[i]);
    if (!next) throw new Error(`outagewatch has no command "${argv.slice(0, i + 1).join(' ')}"`);
    cmd = next;
    i++;
  }
  return { command: cmd, options: argv.slice(i).filter((a) => a.startsWith('--')) };
}

describe('compose.yaml', () => {
  it('runs PostgreSQL 15 with a health check, and outagewatch against it: a migration, collectors, dashboards', () => {
    const { services, volumes } = load();
    expect(Object.keys(services).sort()).toEqual(['collector', 'dashboard', 'migrate', 'postgres']);
    const pg = services.postgres!;
    expect(pg.image).toMatch(/^postgres:15(\.|$|-)/);
    expect(pg.healthcheck?.test.join(' ')).toMatch(/pg_isready/);
    expect(volumes).toHaveProperty('pgdata');
    for (const name of ['migrate', 'collector', 'dashboard']) {
      const s = services[name]!;
      expect(s.build, name).toBeDefined();
      expect(s.depends_on?.postgres?.condition, name).toBe('service_healthy');
      if (name !== 'migrate') expect(s.depends_on?.migrate?.condition, name).toBe('service_completed_successfully');
      if (name !== 'migrate') expect(s.healthcheck?.test.length, name).toBeGreaterThan(1);
    }
  });

  it('gives every outagewatch container a postgres:// URL naming the postgres service, and only settings the program reads', () => {
    const { services } = load();
    const pg = services.postgres!.environment!;
    for (const name of ['migrate', 'collector', 'dashboard']) {
      const env = services[name]!.environment!;
      for (const key of Object.keys(env)) expect(Object.keys(BASE_ENV_SETTINGS), `${name}: ${key}`).toContain(key);
      // the ${POSTGRES_PASSWORD:-…} default as Compose interpolates it when the variable is unset
      const url = env.OUTAGEWATCH_DB!.replace(/\$\{POSTGRES_PASSWORD:-([^}]*)\}/g, '$1');
      const loc = parseDbLocation(url);
      expect(loc.backend, name).toBe('postgres');
      const u = new URL(url);
      expect(u.hostname).toBe('postgres');
      expect(u.port).toBe('5432');
      expect(decodeURIComponent(u.username)).toBe(pg.POSTGRES_USER);
      expect(u.pathname).toBe(`/${pg.POSTGRES_DB}`);
      expect(u.password).toBe(pg.POSTGRES_PASSWORD!.replace(/\$\{POSTGRES_PASSWORD:-([^}]*)\}/, '$1'));
    }
  });

  it('publishes the dashboard on the port it listens on, and its health check asks that port', () => {
    const { services } = load();
    const d = services.dashboard!;
    const argv = d.command!;
    const port = argv[argv.indexOf('--port') + 1];
    expect(argv[argv.indexOf('--host') + 1]).toBe('0.0.0.0');
    expect(d.ports).toEqual([`${port}:${port}`]);
    expect(d.healthcheck!.test.join(' ')).toContain(`127.0.0.1:${port}/api/health`);
    for (const name of ['collector', 'migrate', 'postgres']) expect(services[name]!.ports, name).toBeUndefined();
  });

  it('runs only commands and options the CLI has', () => {
    const { services } = load();
    const { program } = buildProgram();
    const argvs: Array<[string, string[]]> = [];
    for (const [name, s] of Object.entries(services)) {
      if (s.command) argvs.push([name, s.command]);
      const hc = s.healthcheck?.test ?? [];
      if (hc[0] === 'CMD' && hc[1] === 'node' && hc[2] === 'dist/services/cli.js') argvs.push([`${name} healthcheck`, hc.slice(1)]);
    }
    expect(argvs.length).toBeGreaterThanOrEqual(3);
    for (const [name, argv] of argvs) {
      expect(argv.slice(0, 2), name).toEqual(['node', 'dist/services/cli.js']);
      const { command, options } = resolveCommand(program, argv.slice(2));
      expect(command, name).not.toBe(program);
      const known = command.options.map((o) => o.long);
      for (const o of options) expect(known, `${name}: ${o}`).toContain(o);
    }
    // and the test itself would notice a command that does not exist
    expect(() => resolveCommand(program, ['db', 'migrat'])).toThrow(/no command "db migrat"/);
  });
});
