import type { Logger } from 'pino';
import type { EntityRef } from '../db/entities.js';
import { sourceEnvOf, type Config, type SourceDeclaration } from '../core/config.js';
import type { CadenceDefaults, Collector, CollectorModule, DetectorRuleDefaults, EvidenceLink, SignalAxis } from './types.js';
import { iodaModule } from './ioda/index.js';
import { ooniModule } from './ooni/index.js';
import { ripestatModule } from './ripestat/index.js';
import { radarModule } from './radar/index.js';
import { atlasModule } from './atlas/index.js';

/**
 * The one list of sources, in order of value. A source is added by its folder plus one line here; config
 * defaults and env vars, cadence, coverage, evidence links, detector defaults, chart order and help texts
 * are derived from these declarations (see docs/architecture.md).
 */
export const COLLECTOR_MODULES: readonly CollectorModule[] = [iodaModule, ooniModule, ripestatModule, radarModule, atlasModule];

export function createCollectors(config: Config, log: Logger): Collector[] {
  return COLLECTOR_MODULES.map((m) => m.create(config, { log: log.child({ collector: m.name }) }));
}

export function collectorNames(): string[] {
  return COLLECTOR_MODULES.map((m) => m.name);
}

export function collectorModule(name: string): CollectorModule | undefined {
  return COLLECTOR_MODULES.find((m) => m.name === name);
}

/** What the config needs to know about every source (core/config.ts derives `sources.<name>` and its env vars). */
export function sourceDeclarations(): SourceDeclaration[] {
  return COLLECTOR_MODULES.map((m) => ({ name: m.name, url: m.source.url, tokenEnv: m.source.tokenEnv }));
}

/** Environment variable → config path, for every source: `OUTAGEWATCH_<NAME>_URL` and a declared token variable. */
export function sourceEnv(): Record<string, string[]> {
  return sourceEnvOf(sourceDeclarations());
}

export function defaultCadences(): Record<string, CadenceDefaults> {
  return Object.fromEntries(COLLECTOR_MODULES.map((m) => [m.name, m.cadence]));
}

/** Built-in detector rules of every source, by signal pattern. */
export function defaultDetectorRules(): Record<string, DetectorRuleDefaults> {
  return Object.assign({}, ...COLLECTOR_MODULES.map((m) => m.detectorRules ?? {})) as Record<string, DetectorRuleDefaults>;
}

/** The source (collector name) of a signal or collector name: `cloudflare.x` belongs to radar. */
export function sourceOfName(name: string): string {
  const s = name.split('.')[0]!;
  return COLLECTOR_MODULES.find((m) => m.name === s || m.aliases?.includes(s))?.name ?? s;
}

/** The verdict axis a signal informs (a source declares it; default connectivity). */
export function axisOfSignal(signal: string): SignalAxis {
  return collectorModule(sourceOfName(signal))?.axis?.(signal) ?? 'connectivity';
}

/** Why a source has nothing for a window that ends before its history starts (null otherwise). */
export function eraNote(source: string, until: number): string | null {
  const era = collectorModule(source)?.era;
  return era && until <= era.from ? era.note : null;
}

/** Every source's evidence links, or only those of the sources named in `sources` (a link's source is its module's name). */
export function evidenceLinksFor(
  entity: EntityRef,
  from: number,
  until: number,
  opts: { ooniTargets?: string[]; sources?: ReadonlySet<string> } = {},
): EvidenceLink[] {
  return COLLECTOR_MODULES.flatMap((m) =>
    opts.sources && !opts.sources.has(m.name) ? [] : (m.evidenceLinks?.(entity, from, until, opts) ?? []),
  );
}

/** Chart panel order (signal names or prefixes) and titles; `custom` signals come last. */
export function chartOrder(): string[] {
  return [...COLLECTOR_MODULES.flatMap((m) => m.charts?.order ?? [m.name]), 'custom'];
}

export function chartTitles(): Record<string, string> {
  return Object.assign({}, ...COLLECTOR_MODULES.map((m) => m.charts?.titles ?? {})) as Record<string, string>;
}

/** One line per source for help texts and docs. */
export function sourceLines(opts: { ingestOnly?: boolean } = {}): string[] {
  return COLLECTOR_MODULES.filter((m) => !opts.ingestOnly || m.ingests).map(
    (m) => `${m.name.padEnd(9)} ${m.title}: ${opts.ingestOnly ? m.ingests : m.summary}`,
  );
}
