import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Logger } from 'pino';
import type { SourceEventInput, WindowWrite } from '../../db/store.js';
import { pointStoreOf, type CollectStore } from '../framework/store.js';
import { errorMessage, FetchError } from '../framework/index.js';
import type { IngestResult } from '../types.js';
import { entityFromIoda, eventToSourceEvent, seriesPoints, signalSpec, IODA_DATASOURCES } from './collect.js';
import { checkIodaEnvelope, envelopeSchema, eventsDataSchema, NESTED_DATASOURCES, signalsDataSchema } from './schema.js';
import { parseJsonBody } from '../framework/index.js';

/** Checkpoints of ingested files are kept apart from the collector's, so that `collect` still fetches the real thing. */
export const INGEST_COLLECTOR = 'ioda-ingest';

/**
 * Turns one saved IODA response (`signals/raw` or `outages/events`) into window writes, through the same
 * parsing and validation as `collect`. Throws a FetchError naming the file and field when it does not fit.
 */
export function mapSavedResponse(text: string, origin: string, opts: { synthetic?: boolean } = {}): WindowWrite[] {
  const env = parseJsonBody(text, envelopeSchema, origin);
  if (env.type === 'signals') {
    const ds = env.requestParameters?.datasource;
    if (typeof ds === 'string' && NESTED_DATASOURCES.has(ds)) {
      throw new FetchError(
        'schema',
        origin,
        `${origin}: datasource "${ds}" has nested values; outagewatch ingests ${Object.keys(IODA_DATASOURCES).join(', ')}`,
        { path: 'requestParameters.datasource' },
      );
    }
    const { data } = checkIodaEnvelope(env, signalsDataSchema, origin, 'signals');
    const byEntity = new Map<string, WindowWrite>();
    data.forEach((list, i) =>
      list.forEach((s, j) => {
        const where = `data[${i}][${j}]`;
        if (!(s.datasource in IODA_DATASOURCES))
          throw new FetchError(
            'schema',
            origin,
            `${origin}: unexpected response shape at ${where}.datasource: "${s.datasource}" is not one of ${Object.keys(IODA_DATASOURCES).join(', ')}`,
            { path: `${where}.datasource` },
          );
        const entity = entityFromIoda(s.entityType, s.entityCode);
        if (!entity)
          throw new FetchError(
            'schema',
            origin,
            `${origin}: unexpected response shape at ${where}.entityType: "${s.entityType}/${s.entityCode}" is not a country, region, asn or county`,
            { path: `${where}.entityType` },
          );
        const until = Math.max(s.until, s.from + s.values.length * s.step);
        let w = byEntity.get(entity);
        if (!w) {
          w = { collector: INGEST_COLLECTOR, entity, from: s.from, until, series: [], coverage: [] };
          byEntity.set(entity, w);
        }
        w.from = Math.min(w.from, s.from);
        w.until = Math.max(w.until, until);
        const spec = signalSpec(s.datasource, s.datasource === 'gtr' ? s.subtype || 'WEB_SEARCH' : null, {
          synthetic: opts.synthetic,
          origin: basename(origin),
        });
        w.series.push({ signal: spec, points: seriesPoints(s) });
        w.coverage!.push({ signal: spec.name, status: 'ok' });
      }),
    );
    return [...byEntity.values()];
  }
  if (env.type === 'outages.events') {
    const { data } = checkIodaEnvelope(env, eventsDataSchema, origin, 'outages.events');
    const rp = env.requestParameters ?? {};
    const reqEntity =
      typeof rp.entityType === 'string' && typeof rp.entityCode === 'string' ? entityFromIoda(rp.entityType, rp.entityCode) : null;
    const byEntity = new Map<string, SourceEventInput[]>();
    for (const e of data) {
      const se = eventToSourceEvent(e, reqEntity);
      const key = se.entity ?? '';
      byEntity.set(key, [...(byEntity.get(key) ?? []), se]);
    }
    const out: WindowWrite[] = [];
    for (const [entity, events] of byEntity) {
      if (!entity)
        throw new FetchError(
          'schema',
          origin,
          `${origin}: unexpected response shape at data[].location: cannot tell the entity of an event`,
          { path: 'data.location' },
        );
      const from = events.reduce((m, e) => Math.min(m, e.start), Infinity);
      const until = events.reduce((m, e) => Math.max(m, (e.end ?? e.start) + 1), -Infinity);
      out.push({ collector: INGEST_COLLECTOR, entity, from, until, series: [], sourceEvents: events, coverage: [] });
    }
    return out;
  }
  throw new FetchError(
    'schema',
    origin,
    `${origin}: unexpected response shape at type: "${env.type}" (outagewatch ingests IODA "signals" and "outages.events" responses)`,
    { path: 'type' },
  );
}

/** `outagewatch ingest ioda FILE...`: each file is validated as a whole and written in one transaction per entity. */
export async function ingestIodaFiles(args: {
  files: string[];
  store: CollectStore;
  log: Logger;
  synthetic?: boolean;
}): Promise<IngestResult> {
  const result: IngestResult = { files: args.files.length, filesOk: 0, points: 0, events: 0, failures: [] };
  const store = pointStoreOf(args.store);
  for (const file of args.files) {
    try {
      const text = await readFile(file, 'utf8');
      const writes = mapSavedResponse(text, file, { synthetic: args.synthetic });
      let points = 0;
      let events = 0;
      for (const w of writes) {
        const r = await store.writeWindow(w);
        points += r.points;
        events += r.events;
      }
      result.points += points;
      result.events += events;
      result.filesOk++;
      args.log.info(
        { file, points, events, synthetic: args.synthetic === true || undefined },
        writes.length ? (args.synthetic ? 'ingested SYNTHETIC IODA response' : 'ingested IODA response') : 'no data in IODA response',
      );
    } catch (err) {
      result.failures.push({ file, error: errorMessage(err) });
      args.log.warn({ file, err }, 'IODA response not ingested');
    }
  }
  return result;
}
