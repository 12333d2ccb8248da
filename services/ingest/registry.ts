import type { Command } from 'commander';

/**
 * `outagewatch ingest <kind> FILE...`: each ingester (a collector's saved responses, or generic CSV)
 * registers itself here with the options it needs.
 */
export interface Ingester {
  name: string;
  description: string;
  /** Adds the ingester's own options to its `ingest <name>` subcommand. */
  configure?(cmd: Command): void;
}
