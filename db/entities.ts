/** Entity references: `type:code` (country:KZ, region:1234, asn:9198, county:<id>). */
export const ENTITY_TYPES = ['country', 'region', 'asn', 'county'] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];

export interface EntityRef {
  type: EntityType;
  code: string;
}

export class EntityRefError extends Error {
  constructor(
    readonly input: string,
    reason: string,
  ) {
    super(`bad entity "${input}": ${reason}`);
    this.name = 'EntityRefError';
  }
}

export function parseEntity(input: string): EntityRef {
  const m = /^([a-z]+):(.+)$/.exec(input.trim());
  if (!m) throw new EntityRefError(input, 'expected type:code, e.g. country:KZ, asn:9198');
  const type = m[1] as EntityType;
  if (!ENTITY_TYPES.includes(type)) throw new EntityRefError(input, `type must be one of ${ENTITY_TYPES.join(', ')}`);
  let code = m[2]!;
  if (type === 'country') {
    code = code.toUpperCase();
    if (!/^[A-Z]{2}$/.test(code)) throw new EntityRefError(input, 'a country code is two letters (ISO 3166-1 alpha-2)');
  } else if (type === 'asn') {
    code = code.replace(/^AS/i, '');
    if (!/^\d{1,10}$/.test(code)) throw new EntityRefError(input, 'an AS number is digits, e.g. asn:9198');
  } else if (!/^[\w.-]{1,64}$/.test(code)) {
    throw new EntityRefError(input, 'code may hold letters, digits, ".", "_" and "-" only');
  }
  return { type, code };
}

export function formatEntity(e: EntityRef): string {
  return `${e.type}:${e.code}`;
}

/** Signal names: `source.metric[:target]`. */
export interface SignalName {
  source: string;
  metric: string;
  target: string | null;
}

export function parseSignalName(name: string): SignalName {
  const m = /^([a-z][a-z0-9_-]*)\.([A-Za-z0-9_\-.]+?)(?::(.+))?$/.exec(name);
  if (!m) throw new Error(`bad signal name "${name}": expected source.metric[:target], e.g. ioda.bgp`);
  return { source: m[1]!, metric: m[2]!, target: m[3] ?? null };
}
