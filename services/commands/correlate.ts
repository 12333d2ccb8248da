import type { Command } from 'commander';
import type { CliContext } from '../cli/context.js';
import {
  correlateCountries,
  correlateEvent,
  parseOutageSource,
  type CorrelateOptions,
  type CountryCorrelationJson,
  type EventCorrelationJson,
} from '../correlator/assemble.js';
import { correlateOptions } from '../correlator/options.js';
import { AppError, unknownEvent, UsageError } from '../../core/app-errors.js';
import { parseDuration, TimeParseError } from '../../core/time.js';
import { onsetText, relativeOnset } from '../report/format.js';

interface Flags {
  event?: string;
  country?: string;
  lead?: string;
  lag?: string;
  from?: string;
  until?: string;
  outages?: string;
  surrogates?: string;
  seed?: string;
  method?: string;
  json?: boolean;
}

function duration(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  try {
    return parseDuration(v);
  } catch (err) {
    if (err instanceof TimeParseError) throw new UsageError(`${flag}: ${err.message}`);
    throw err;
  }
}

const hours = (s: number) => `${s < 0 ? '−' : '+'}${Math.round((Math.abs(s) / 3600) * 10) / 10} h`;
const fmtP = (p: number | null) => (p === null ? 'n/a' : p < 0.0001 ? p.toExponential(2) : String(Math.round(p * 10000) / 10000));

/** "lost 97 % of normal for 82 h"; a reference outage has no depth, only its length. */
function lossWords(o: { lostPercent: number | null; hours: number; origin: string; kind: string }): string {
  const h = o.hours >= 10 ? Math.round(o.hours) : Math.round(o.hours * 10) / 10;
  if (o.origin !== 'detected') return `listed, ${h} h`;
  if (o.lostPercent === null) return `anomalies for ${h} h`;
  return o.kind === 'degradation'
    ? `ran ${Math.round(o.lostPercent)} % below normal for ${h} h`
    : `lost ${Math.round(o.lostPercent)} % of normal for ${h} h`;
}

function printEvent(ctx: CliContext, c: EventCorrelationJson): void {
  const d = (s: number) => `${Math.round((s / 86400) * 100) / 100}d`;
  ctx.out(`${c.event.id} — ${c.event.title} (${c.event.country})`);
  ctx.out(`event   ${c.event.start} → ${c.event.end} (announced in ${c.event.tz})`);
  ctx.out(
    `window  ${c.window.from} → ${c.window.until} (lead ${d(c.window.leadSeconds)}, lag ${d(c.window.lagSeconds)}); outages from ${c.outageInput}`,
  );
  ctx.out(
    `verdict ${c.verdict.label} (connectivity: ${c.verdict.connectivity}, services: ${c.verdict.services})${c.synthetic ? ' — on SYNTHETIC demo data' : ''}`,
  );
  const on = c.verdict.onset;
  ctx.out(
    on
      ? `onset   ${onsetText(on)}${on.seconds === null ? '' : `, ${relativeOnset(on.seconds, on.precision)}`} on ${on.entity}${on.signal ? ` (${on.signal})` : ''}${on.basis === 'subnational-majority' ? ' — most of the country’s units down at once' : ''}`
      : 'onset   none (no national evidence)',
  );
  if (c.verdict.subnationalSummary) ctx.out(`beside  ${c.verdict.subnationalSummary}`);
  ctx.out('');
  // national rows one by one; sub-national ones (counties, regions, ASes) counted per scope — `--json` lists them all
  const national = c.outages.filter((o) => o.parent === null);
  const sub = c.outages.filter((o) => o.parent !== null);
  ctx.out('national outages in the window:');
  ctx.table(
    national.map((o) => ({
      id: o.id,
      entity: o.entity,
      scope: o.scope,
      kind: o.kind,
      start: o.start,
      end: o.openEnded ? `${o.end} (open-ended)` : o.end,
      onset: hours(o.onsetSeconds),
      loss: lossWords(o),
      signals: o.signals.join(' '),
    })),
    ['id', 'entity', 'scope', 'kind', 'start', 'end', 'onset', 'loss', 'signals'],
  );
  if (sub.length) {
    const byParent = new Map<string, typeof sub>();
    for (const o of sub) byParent.set(o.parent!, [...(byParent.get(o.parent!) ?? []), o]);
    ctx.out('');
    ctx.out('sub-national outages (counted; --json lists each):');
    ctx.table(
      [...byParent].map(([parent, eps]) => ({
        parent,
        episodes: eps.length,
        units: new Set(eps.map((o) => o.entity)).size,
        scopes: [...new Set(eps.map((o) => o.scope))].join(' '),
        first: eps.map((o) => o.start).sort()[0]!,
        deepest: lossWords([...eps].sort((a, b) => (b.lostPercent ?? 0) - (a.lostPercent ?? 0))[0]!),
      })),
      ['parent', 'episodes', 'units', 'scopes', 'first', 'deepest'],
    );
  }
  if (c.sourceEvents.length) {
    ctx.out('');
    ctx.out('declared by sources:');
    ctx.table(
      c.sourceEvents.map((e) => ({
        source: e.source,
        entity: e.entity,
        kind: e.kind,
        start: e.start,
        end: e.end,
        onset: hours(e.onsetSeconds),
        title: e.title,
      })),
    );
  }
  ctx.out('');
  ctx.out('coverage:');
  ctx.table(
    c.coverage.map((x) => ({
      source: x.name,
      data: x.hadData ? 'yes' : 'no',
      hours: x.hours,
      share: `${Math.round(x.fraction * 100)}%`,
      axes: x.axes.join(' '),
      why: x.reason ?? '',
    })),
    ['source', 'data', 'hours', 'share', 'axes', 'why'],
  );
  ctx.out('');
  const s = c.significance;
  if (s.p === null) ctx.out(`significance: not computable (${s.note ?? 'no data'})`);
  else
    ctx.out(
      `significance: p = ${fmtP(s.p)} — window depth ${s.observed} (${s.window ? `${s.window.from} → ${s.window.until}` : 'window'}) ranked against ${s.windows} non-overlapping ordinary windows of the same length (${s.atLeastAsDeep} at least as deep); smallest attainable p ${fmtP(s.smallestAttainableP)}${s.note ? `; ${s.note}` : ''}`,
    );
}

function printCountry(ctx: CliContext, c: CountryCorrelationJson): void {
  ctx.out(`${c.country}: ${c.range ? `${c.range.from} → ${c.range.until}` : 'no data'}; outages from ${c.outageInput}`);
  ctx.out(
    `per event: p = single-event permutation test; q = ${c.eventsFamily.correction}, ${c.eventsFamily.description}${c.synthetic ? ' — on SYNTHETIC demo data' : ''}`,
  );
  ctx.table(
    c.events.map((e) => ({
      id: e.id,
      start: e.start,
      verdict: e.verdict.label,
      outages: e.outages - e.subnational,
      'sub-national': e.subnational,
      onset: e.verdict.onset
        ? `${onsetText(e.verdict.onset)}${e.verdict.onset.seconds === null ? '' : `, ${relativeOnset(e.verdict.onset.seconds, e.verdict.onset.precision)}`}`
        : '',
      p: fmtP(e.p),
      q: fmtP(e.q),
      why: e.reason ?? '',
    })),
    ['id', 'start', 'verdict', 'outages', 'sub-national', 'onset', 'p', 'q', 'why'],
  );
  ctx.out('');
  const st = c.stats;
  ctx.out(
    `set statistics: p = ${st.method.surrogate} surrogate test (seed ${st.seed}; B and the smallest attainable p per test); q = ${st.method.multipleTesting}; analytic p = ${st.method.analytic}`,
  );
  ctx.table(
    st.tests.map((t) => ({
      test: t.name,
      days: t.days,
      events: t.eventsAssessable,
      B: `${t.B}${t.exhaustive ? ' (all shifts)' : ''}`,
      'min p': fmtP(t.smallestAttainableP),
      'trigger rate': t.trigger.rate,
      'trigger p': fmtP(t.trigger.p),
      'trigger q': fmtP(t.trigger.q),
      'analytic approx.': fmtP(t.trigger.analyticP),
      'precursor rate': t.precursor.rate,
      'precursor p': fmtP(t.precursor.p),
      'precursor q': fmtP(t.precursor.q),
      'analytic approx. ': fmtP(t.precursor.analyticP),
    })),
  );
  if (st.note) ctx.out(`note: ${st.note}`);
}

/** `outagewatch correlate --event ID | --country CC[,CC…] [--lead 1d --lag 2d] [--outages reference:NAME] [--json]` */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('correlate')
    .description('line outages and blocking up against a calendar event (--event) or a country calendar (--country), with statistics')
    .option('--event <id>', 'one calendar event, e.g. kz-2016-05-21-land-protests')
    .option('--country <CC>', 'every event of a country (comma-separated for several, with Benjamini–Hochberg across them)')
    .option('--lead <duration>', 'window opens this long before the event start (default: correlator.lead, 1d)')
    .option('--lag <duration>', 'window closes this long after the event end (default: correlator.lag, 2d)')
    .option('--from <time>', 'with --country: start of the period tested')
    .option('--until <time>', 'with --country: end of the period tested')
    .option('--outages <input>', '"detected" (default) or reference:NAME (a list imported with `reference import`)')
    .option('--surrogates <B>', 'surrogates for the set test (default: correlator.surrogates, 9999)')
    .option('--seed <n>', 'seed of the surrogates (default: correlator.seed, 1)')
    .option('--method <m>', 'circular-shift or block-permutation (default: correlator.method)')
    .option('--json', 'print one JSON document (the /api shape)')
    .action(async (flags: Flags) => {
      if (!flags.event === !flags.country) throw new UsageError('give exactly one of --event ID or --country CC');
      if (flags.method !== undefined && flags.method !== 'circular-shift' && flags.method !== 'block-permutation')
        throw new UsageError('--method: circular-shift or block-permutation');
      let outages;
      try {
        outages = parseOutageSource(flags.outages);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      const opts: CorrelateOptions = correlateOptions(ctx.config(), {
        lead: duration('--lead', flags.lead),
        lag: duration('--lag', flags.lag),
        outages,
        B: ctx.wholeNumber('--surrogates', flags.surrogates, 1),
        seed: ctx.wholeNumber('--seed', flags.seed, 0),
        method: flags.method as CorrelateOptions['method'],
        from: ctx.time('--from', flags.from, 'start'),
        until: ctx.time('--until', flags.until, 'end'),
      });
      if (opts.from !== undefined && opts.until !== undefined && !(opts.until > opts.from))
        throw new UsageError('--until must be after --from');
      // either backend (issue 23): the correlator reads through the repositories
      const repos = await ctx.readRepositories({ upgrade: true });
      if (outages.type === 'reference') {
        if (!(await repos.reference.referenceListExists(outages.list)))
          throw new UsageError(`reference list "${outages.list}" not found (run \`outagewatch reference import\` first)`);
      }
      if (flags.event) {
        let c: EventCorrelationJson;
        try {
          c = await correlateEvent(repos, flags.event, opts);
        } catch (err) {
          if (err instanceof AppError && err.code === 'NOT_FOUND') throw unknownEvent('--event', flags.event);
          throw err;
        }
        if (flags.json) ctx.json(c);
        else printEvent(ctx, c);
        return;
      }
      const countries = flags.country!.split(',').map((s) => ctx.country('--country', s.trim())!);
      const out = await correlateCountries(repos, countries, opts);
      if (flags.json) ctx.json(out.length === 1 ? out[0] : out);
      else
        out.forEach((c, i) => {
          if (i) ctx.out('');
          printCountry(ctx, c);
        });
    });
}
