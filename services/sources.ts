/**
 * The collector registry as the services and dashboards see it: the one place above collectors/ that reads
 * the source declarations (config defaults, cadence, coverage, evidence links, detector defaults, charts).
 */
export {
  COLLECTOR_MODULES,
  axisOfSignal,
  chartOrder,
  chartTitles,
  collectorModule,
  collectorNames,
  defaultCadences,
  defaultDetectorRules,
  eraNote,
  evidenceLinksFor,
  sourceDeclarations,
  sourceEnv,
  sourceLines,
  sourceOfName,
} from '../collectors/registry.js';
export type { EvidenceLink, SignalAxis } from '../collectors/types.js';
