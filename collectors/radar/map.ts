import { createHash } from 'node:crypto';
import type { SourceEventInput } from '../../db/store.js';
import type { RadarAnnotation } from './schema.js';

/** Pure mapping from Radar outage annotations to source events. */

export function isoToTs(s: string): number {
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw new Error(`bad time ${s}`);
  return Math.floor(t / 1000);
}

/**
 * The annotation's own `id` when the API sends it; otherwise a stable hash of what identifies it (the docs
 * example has no ids), so that collecting the same range twice updates rather than duplicates.
 */
export function annotationKey(a: RadarAnnotation): string {
  if (a.id) return a.id;
  const basis = JSON.stringify([
    a.startDate,
    [...a.locations].sort(),
    [...a.asns].sort((x, y) => x - y),
    a.scope ?? null,
    a.linkedUrl ?? null,
    a.outage?.outageCause ?? null,
    a.outage?.outageType ?? null,
  ]);
  return `sha256:${createHash('sha256').update(basis).digest('hex').slice(0, 24)}`;
}

function words(s: string): string {
  return s.toLowerCase().replace(/_/g, ' ');
}

export function annotationTitle(a: RadarAnnotation): string {
  const where =
    a.locationsDetails
      ?.filter((l): l is { code: string; name: string } => l !== null)
      .map((l) => l.name)
      .join(', ') ||
    a.locations.join(', ') ||
    (a.asns.length ? a.asns.map((n) => `AS${n}`).join(', ') : 'unknown location');
  const cause = a.outage ? `${words(a.outage.outageType)} outage (${words(a.outage.outageCause)})` : words(a.eventType);
  return `Cloudflare Radar: ${cause} in ${where}${a.scope ? `: ${a.scope}` : ''}`;
}

/** One source event per annotation, about the entity the request asked for. */
export function annotationEvent(a: RadarAnnotation, entity: string): SourceEventInput {
  return {
    source: 'radar',
    externalId: `${annotationKey(a)}|${entity}`,
    entity,
    start: isoToTs(a.startDate),
    end: a.endDate ? isoToTs(a.endDate) : null,
    kind: a.eventType.toLowerCase(),
    title: annotationTitle(a),
    description: a.description ?? null,
    score: null,
    url: a.linkedUrl ?? null,
    raw: a,
  };
}
