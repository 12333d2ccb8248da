import type { Command } from 'commander';
import { collectorNames, createCollectors, sourceLines } from '../../collectors/registry.js';
import type { CollectResult, Collector } from '../../collectors/types.js';
import { emptyCollectResult } from '../../collectors/types.js';
import { EntityRefError, formatEntity, parseEntity } from '../../db/entities.js';
import type { CliContext } from '../cli/context.js';
import { createProgressReporter } from '../cli/progress.js';
import { UsageError } from '../../core/app-errors.js';
import { ownerGone } from '../runs.js';
import { isoUtc, nowSeconds } from '../../core/time.js';

interface CollectFlags {
  source: string;
  entity: string[];
  regionsOf?: string[];
  from: string;
  until?: string;
  json?: boolean;
  leaseSeconds?: number;
}

/** One line of `collect --json` (an array of these). */
export interface CollectOutcome {
  collector: string;
  entity: string;
  from: string;
  until: string;
  points: number;
  events: number;
  windowsOk: number;
  windowsFailed: number;
  /** PostgreSQL: windows another collector on the same database held or finished meanwhile (not failures). */
  windowsLeased?: number;
  coveredUntil: string | null;
  failures: Array<{ signal: string | null; from: string; until: string; url: string | null; error: string }>;
  skipped?: string;
}

const collectList = (v: string, prev: string[] = []) => [...prev, v];

function outcome(collector: string, entity: string, from: number, until: number, r: CollectResult): CollectOutcome {
  return {
    collector,
    entity,
    from: isoUtc(from),
    until: isoUtc(until),
    points: r.points,
    events: r.events,
    windowsOk: r.windowsOk,
    windowsFailed: r.windowsFailed,
    ...(r.windowsLeased !== undefined ? { windowsLeased: r.windowsLeased } : {}),
    coveredUntil: r.coveredUntil === null ? null : isoUtc(r.coveredUntil),
    failures: r.failures.map((f) => ({
      signal: f.signal ?? null,
      from: isoUtc(f.from),
      until: isoUtc(f.until),
      url: f.url ?? null,
      error: f.error,
    })),
  };
}

const leaseSeconds = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 86400)
    throw new UsageError(`--lease-seconds: "${v}" is not a whole number of seconds from 1 to 86400`);
  return n;
};

/**
 * `outagewatch collect --source ioda|all --entity country:KZ [...] --from --until [--json]`: exit 0 when every window
 * succeeded. On SQLite or PostgreSQL. On PostgreSQL several `collect` processes may run at once on one database:
 * they split the windows through leases (collectors/framework/runner.ts, db/postgres/leases.ts); windows another
 * process holds or finished are left to it and are not failures.
 */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('collect')
    .description('collect signals for entities over a time range (resumable: covered windows are skipped)')
    .requiredOption('--source <name>', `a collector name (${collectorNames().join(', ')}) or "all"`)
    .option('--entity <type:code>', 'entity to collect, e.g. country:KZ, region:1376, asn:9198 (repeatable)', collectList, [])
    .option('--regions-of <CC>', 'also every IODA region of this country (looked up via IODA entities/query; repeatable)', collectList, [])
    .requiredOption('--from <time>', 'start: a date (00:00 UTC), an ISO instant or Unix seconds')
    .option('--until <time>', 'end (exclusive; a date means the end of that UTC day); default now')
    .option('--json', 'print the outcome as one JSON array')
    .option(
      '--lease-seconds <n>',
      'PostgreSQL: how long a claim on a window lives without renewal; a collector killed mid-window gives it up after this (default 60)',
      leaseSeconds,
    )
    .addHelpText(
      'after',
      `\nSources (collectors/registry.ts):\n${sourceLines()
        .map((l) => `  ${l}`)
        .join('\n')}`,
    )
    .action(async (flags: CollectFlags) => {
      const from = ctx.time('--from', flags.from, 'start')!;
      const until = ctx.time('--until', flags.until, 'end') ?? nowSeconds();
      if (!(until > from)) throw new UsageError('--until must be after --from');
      let entities: string[];
      try {
        entities = flags.entity.map((e) => formatEntity(parseEntity(e)));
      } catch (err) {
        if (err instanceof EntityRefError) throw new UsageError(`--entity: ${err.message}`);
        throw err;
      }
      const config = ctx.config();
      const log = ctx.log();
      const all = createCollectors(config, log);
      let chosen: Collector[];
      if (flags.source === 'all') chosen = all;
      else {
        const c = all.find((x) => x.name === flags.source);
        if (!c)
          throw new UsageError(
            `--source: unknown collector "${flags.source}" (known: ${all.map((x) => x.name).join(', ') || 'none'}, or all)`,
          );
        chosen = [c];
      }
      const abort = new AbortController();
      const onSignal = () => {
        log.warn('interrupted: finishing the window in flight, then stopping');
        abort.abort(new Error('interrupted by signal'));
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      const store = await ctx.pointStore();
      // a run left `running` by a collect or daemon that was killed is interrupted (never one whose process lives;
      // on a shared PostgreSQL database, only runs of this host are decided here)
      const stale = await store.markInterruptedRuns(ownerGone);
      if (stale > 0) log.warn({ runs: stale }, 'runs left unfinished by a process that is gone are marked interrupted');
      const outcomes: CollectOutcome[] = [];
      let failed = false;
      try {
        for (const cc of flags.regionsOf ?? []) {
          const ioda = all.find((x) => x.name === 'ioda') as
            (Collector & { regionsOf?(c: string, signal?: AbortSignal): Promise<Array<{ entity: string; name: string }>> }) | undefined;
          if (!ioda?.regionsOf) throw new UsageError('--regions-of needs the IODA collector');
          try {
            const regions = await ioda.regionsOf(cc, abort.signal);
            log.info({ country: cc.toUpperCase(), regions: regions.length }, 'IODA regions found');
            for (const r of regions) {
              await store.ensureEntity(r.entity, { name: r.name, country: cc.toUpperCase() });
              if (!entities.includes(r.entity)) entities.push(r.entity);
            }
          } catch (err) {
            if (err instanceof UsageError) throw err;
            failed = true;
            log.error({ country: cc, err }, 'IODA region lookup failed');
          }
        }
        if (entities.length === 0) throw new UsageError('give at least one --entity (or --regions-of)');
        for (const c of chosen) {
          if (!c.enabled()) {
            const reason = c.disabledReason() ?? 'disabled';
            log.warn({ collector: c.name, reason }, 'collector skipped');
            for (const entity of entities)
              outcomes.push({ ...outcome(c.name, entity, from, until, emptyCollectResult()), skipped: reason });
            if (flags.source !== 'all') failed = true;
            continue;
          }
          for (const entity of entities) {
            if (abort.signal.aborted) break;
            const progress = createProgressReporter({ label: `${c.name} ${entity}`, stream: ctx.io.stderr, log });
            const r = await c
              .collect({
                entity,
                from,
                until,
                store,
                log,
                abort: abort.signal,
                onProgress: progress.onProgress,
                leaseSeconds: flags.leaseSeconds,
              })
              .finally(() => progress.done());
            outcomes.push(outcome(c.name, entity, from, until, r));
            if (r.windowsFailed > 0) failed = true;
          }
        }
        if (abort.signal.aborted) failed = true;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      if (flags.json) ctx.json(outcomes);
      else {
        ctx.table(
          outcomes.map((o) => ({
            collector: o.collector,
            entity: o.entity,
            windows_ok: o.windowsOk,
            windows_failed: o.windowsFailed,
            points: o.points,
            events: o.events,
            covered_until: o.coveredUntil ?? '',
            note: o.skipped ?? (o.windowsLeased ? `${o.windowsLeased} window(s) left to another collector` : ''),
          })),
          ['collector', 'entity', 'windows_ok', 'windows_failed', 'points', 'events', 'covered_until', 'note'],
        );
        for (const o of outcomes)
          for (const f of o.failures) ctx.out(`FAILED ${o.collector} ${o.entity} ${f.signal ?? ''} ${f.from}–${f.until}: ${f.error}`);
        const nf = outcomes.reduce((s, o) => s + o.windowsFailed, 0);
        const leased = outcomes.reduce((s, o) => s + (o.windowsLeased ?? 0), 0);
        ctx.out(
          nf
            ? `${nf} window(s) failed; they will be retried on the next run`
            : abort.signal.aborted
              ? 'interrupted; run again to resume'
              : leased
                ? `all windows collected or left to other collectors on this database (${leased} held or finished by them)`
                : 'all windows collected',
        );
      }
      if (failed) process.exitCode = 1;
    });
}
