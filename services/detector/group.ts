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
  const entities = new Set(rows.map((o) => o.entity));
  const types = [...new Set(rows.map((o) => o.entity.split(':')[0]!))].sort();
  const from = isoUtc(rows.reduce((m, o) => Math.min(m, o.start), Infinity)).slice(0, 10);
  const until = isoUtc(rows.reduce((m, o) => Math.max(m, o.end), -Infinity)).slice(0, 10);
  return `${rows.length} sub-national outage${rows.length === 1 ? '' : 's'} in ${entities.size} ${types.join('/')} unit${entities.size === 1 ? '' : 's'}, ${from === until ? from : `${from} to ${until}`}`;
}

