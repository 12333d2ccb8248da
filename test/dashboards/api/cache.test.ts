import { describe, expect, it } from 'vitest';
import { BodyCache, cachedBody } from '../../../dashboards/api/signals.js';

describe('signals response cache', () => {
  it('keeps the most recently used answers within its entry and byte budgets', () => {
    const c = new BodyCache(3, 1500 * 4);
    const body = (n: number) => cachedBody('application/json', 'x'.repeat(n));
    c.set('a', body(100));
    c.set('b', body(100));
    c.set('c', body(100));
    expect(c.get('a')).toBeDefined(); // a is now the most recent
    c.set('d', body(100)); // over 3 entries: b (least recent) goes
    expect(c.get('b')).toBeUndefined();
    expect(['a', 'c', 'd'].every((k) => c.get(k))).toBe(true);
    c.set('big', body(1000)); // 1500 estimated bytes: fits the 6000 budget's quarter, evicts to stay within 3 entries
    expect(c.get('big')).toBeDefined();
    c.set('huge', body(2000)); // more than a quarter of the budget: never kept
    expect(c.get('huge')).toBeUndefined();
    const off = new BodyCache(0);
    off.set('a', body(10));
    expect(off.get('a')).toBeUndefined();
  });

  it('gives equal bodies equal ETags and different bodies different ones', () => {
    expect(cachedBody('t', '{"a":1}').etag).toBe(cachedBody('t', '{"a":1}').etag);
    expect(cachedBody('t', '{"a":1}').etag).not.toBe(cachedBody('t', '{"a":2}').etag);
  });
});
