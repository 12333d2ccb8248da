import { join } from 'node:path';
import { ingestCsv, type CsvIngestOptions } from '../ingest/csv.js';
import type { DemoContext } from './context.js';

/** The Monash IP Observatory's county series for Iran, November 2019 (REAL data; provenance beside the file). */
export const MONASH_IRAN_FILE = join('db', 'seeds', 'monash-ipobs-iran-2019-11-counties.csv');

/** How the file is read: `time_e` counts local wall-clock seconds in Asia/Tehran; one entity per county. */
export const MONASH_IRAN_OPTIONS: CsvIngestOptions = {
  entity: 'country:IR',
  signal: 'custom.connectivity',
  timeColumn: 'time_e',
  valueColumn: 'connectivity',
  tz: 'Asia/Tehran',
  epochLocal: true,
  groupColumn: 'name_2',
  groupEntityType: 'county',
  provenance: {
    sourceName: 'Monash IP Observatory',
    licence: 'GPL-3.0',
    citation: 'Monash IP Observatory (SoDa Labs, Monash University) — https://github.com/sodalabsio/shared_data',
    unit: 'index 0–100',
    label: 'Connectivity index',
    axis: 'connectivity',
  },
};

/** Demo step: ingest the real Iranian series through the generic CSV ingest (`outagewatch ingest csv`). */
export const iranMonashDemoStep = {
  name: 'Iran November 2019 (REAL, Monash IP Observatory)',
  async run(ctx: DemoContext): Promise<string> {
    const r = await ingestCsv(ctx.repos.points, join(ctx.root, MONASH_IRAN_FILE), MONASH_IRAN_OPTIONS);
    if (r.rejected.length)
      throw new Error(
        `Monash Iran series: ${r.rejected.length} rows rejected; first: line ${r.rejected[0]!.line}: ${r.rejected[0]!.field}: ${r.rejected[0]!.reason}`,
      );
    return `Iran: ${r.points} REAL points of custom.connectivity (Monash IP Observatory, 11–20 Nov 2019): country:IR as the mean of ${r.entities.length - 1} counties, the 16 Nov 2019 blackout included`;
  },
};
