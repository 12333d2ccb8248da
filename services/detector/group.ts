import { isoUtc } from '../../core/time.js';
import type { Outage } from '../../core/outage.js';

/**
 * Rows grouped per parent: each national (or parentless) outage in order, and per parent country one
 * block of its sub-national rows after a line that counts them ("country:IR: 73 sub-national outages in
 * 73 counties, 2019-11-13 to 2019-11-20").
 */
export function groupByParent(list: readonly Outage[]): Array<{ parent: string | null; rows: Outage[] }> {
  const groups: Array<{ parent: string | null; rows: Outage[] }> = [{ parent: null, rows: [] }];
  const byParent = new Map<string, Outage[]>();
  for (const o of list) {
    if (o.parent) {
      if (!byParent.has(o.parent)) byParent.set(o.parent, []);
      byParent.get(o.parent)!.push(o);
    } else {
      groups[0]!.rows.push(o);
    }
  }
  for (const [parent, rows] of [...byParent].sort((a, b) => a[0].localeCompare(b[0]))) groups.push({ parent, rows });
  return groups.filter((g) => g.rows.length > 0);
}

/** "73 sub-national outages in 73 units (county), 2019-11-13 to 2019-11-20" */
export function subnationalSummary(rows: readonly Outage[]): string {
  return subnationalSummaryOf({
    count: rows.length,
    entities: new Set(rows.map((o) => o.entity)).size,
    types: [...new Set(rows.map((o) => o.entity.split(':')[0]!))],
    from: rows.reduce((m, o) => Math.min(m, o.start), Infinity),
    until: rows.reduce((m, o) => Math.max(m, o.end), -Infinity),
  });
}

/** The same summary from counts (a listing paged in SQL knows a group's counts without reading its rows). */
export function subnationalSummaryOf(g: {
  count: number;
  entities: number;
  types: readonly string[];
  from: number;
  until: number;
}): string {
  const types = [...g.types].sort();
  const from = isoUtc(g.from).slice(0, 10);
  const until = isoUtc(g.until).slice(0, 10);
  return `${g.count} sub-national outage${g.count === 1 ? '' : 's'} in ${g.entities} ${types.join('/')} unit${g.entities === 1 ? '' : 's'}, ${from === until ? from : `${from} to ${until}`}`;
}
