import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../services/cli.js';
import { capture, tempDir } from '../helpers.js';

/**
 * Examples in docs/*.md that quote program output are checked against the program. A JSON block preceded by
 * `<!-- example: ARGS -->` is what `outagewatch ARGS` prints on the demo database (`outagewatch demo`: the
 * seeded calendar, SYNTHETIC IODA and OONI series for Kazakhstan, the real Monash series for Iran). The block may
 * be abridged: only the keys it shows are compared; an array shows its first elements; a text with `…` matches
 * any text around the parts it shows; a number matches when the program's rounds to it at the digits shown.
 * Prose figures that quote the same output are checked by `FIGURES` below.
 */

const DOCS = join(import.meta.dirname, '..', '..', 'docs');
const MARK = /<!--\s*example:\s*(.+?)\s*-->\s*\n```json\n([\s\S]*?)\n```/g;

export function matches(doc: unknown, real: unknown, path = '$'): string[] {
  if (typeof doc === 'string' && doc.includes('…')) {
    if (typeof real !== 'string') return [`${path}: expected text like ${JSON.stringify(doc)}, got ${JSON.stringify(real)}`];
    const parts = doc.split('…');
    let at = 0;
    for (const [i, part] of parts.entries()) {
      const found = i === 0 ? (real.startsWith(part) ? 0 : -1) : real.indexOf(part, at);
      if (found < 0 || (i === parts.length - 1 && part !== '' && !real.endsWith(part)))
        return [`${path}: ${JSON.stringify(real)} does not match ${JSON.stringify(doc)}`];
      at = found + part.length;
    }
    return [];
  }
  if (typeof doc === 'number' && typeof real === 'number') {
    const digits = (String(doc).split('.')[1] ?? '').length;
    return Number(real.toFixed(digits)) === doc ? [] : [`${path}: the program says ${real}, the doc ${doc}`];
  }
  if (Array.isArray(doc)) {
    if (!Array.isArray(real)) return [`${path}: expected an array, got ${JSON.stringify(real)}`];
    if (doc.length > real.length) return [`${path}: the doc shows ${doc.length} elements, the program gives ${real.length}`];
    return doc.flatMap((d, i) => matches(d, real[i], `${path}[${i}]`));
  }
  if (doc !== null && typeof doc === 'object') {
    if (real === null || typeof real !== 'object' || Array.isArray(real))
      return [`${path}: expected an object, got ${JSON.stringify(real)}`];
    return Object.entries(doc).flatMap(([k, v]) =>
      k in real ? matches(v, (real as Record<string, unknown>)[k], `${path}.${k}`) : [`${path}.${k}: not in the program's output`],
    );
  }
  return doc === real ? [] : [`${path}: the program says ${JSON.stringify(real)}, the doc ${JSON.stringify(doc)}`];
}

/** Figures quoted in prose: file, a pattern capturing them, and what they must equal in the program's output. */
const FIGURES: Array<{ file: string; pattern: RegExp; args: string; expect: (out: Record<string, unknown>, m: RegExpMatchArray) => void }> =
  [
    {
      file: 'correlator.md',
      pattern: /event\s+comes out as `([a-z-]+)`[\s\S]*?p = ([\d.]+) against (\d+) non-overlapping ordinary (\d+)-hour\s+windows/,
      args: 'correlate --event kz-2016-05-21-land-protests --json',
      expect: (out, m) => {
        const sig = out.significance as { p: number; windows: number; window: { from: string; until: string } };
        expect((out.verdict as { label: string }).label).toBe(m[1]);
        expect(Number(sig.p.toFixed(4))).toBe(Number(m[2]));
        expect(sig.windows).toBe(Number(m[3]));
        expect((Date.parse(sig.window.until) - Date.parse(sig.window.from)) / 3600e3).toBe(Number(m[4]));
      },
    },
    {
      file: 'correlator.md',
      pattern: /`correlate --country KZ` lists its (\w+) seeded events: (\w+) assessable[\s\S]*?(\w+) of (\d{4})–(\d{4})\s+with `p: null`/,
      args: 'correlate --country KZ --json',
      expect: (out, m) => {
        const words = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve'];
        const n = (w: string) => words.indexOf(w);
        const events = out.events as Array<{ id: string; p: number | null }>;
        expect(events.length).toBe(n(m[1]!));
        expect((out.eventsFamily as { size: number }).size).toBe(n(m[2]!));
        const none = events.filter((e) => e.p === null);
        expect(none.length).toBe(n(m[3]!));
        expect(none.map((e) => e.id.slice(3, 7)).sort()[0]).toBe(m[4]);
        expect(
          none
            .map((e) => e.id.slice(3, 7))
            .sort()
            .at(-1),
        ).toBe(m[5]);
      },
    },
  ];

describe('docs examples quote what the program prints (demo database)', () => {
  let dir: ReturnType<typeof tempDir>;
  let db: string;
  const outputs = new Map<string, Record<string, unknown>>();
  async function run(args: string): Promise<Record<string, unknown>> {
    const known = outputs.get(args);
    if (known) return known;
    const c = capture();
    const code = await main([...args.split(/\s+/), '--db', db, '--log-level', 'silent'], c.io);
    expect(code ?? 0, `outagewatch ${args}: ${c.err}`).toBe(0);
    const out = JSON.parse(c.out) as Record<string, unknown>;
    outputs.set(args, out);
    return out;
  }

  beforeAll(async () => {
    dir = tempDir();
    db = join(dir.dir, 'demo.db');
    const c = capture();
    await main(['demo', '--db', db, '--log-level', 'silent'], c.io);
    expect(c.out).toContain('demo data ready');
  }, 180_000);
  afterAll(() => dir?.cleanup());

  const examples = readdirSync(DOCS)
    .filter((f) => f.endsWith('.md'))
    .flatMap((f) => [...readFileSync(join(DOCS, f), 'utf8').matchAll(MARK)].map((m) => ({ file: f, args: m[1]!, json: m[2]! })));

  it('finds the marked examples (correlator, calendar, detector)', () => {
    expect(new Set(examples.map((e) => e.file))).toEqual(new Set(['correlator.md', 'calendar.md', 'detector.md']));
  });

  for (const ex of examples) {
    it(`${ex.file}: outagewatch ${ex.args}`, async () => {
      const out = await run(ex.args);
      expect(matches(JSON.parse(ex.json), out)).toEqual([]);
    }, 120_000);
  }

  for (const f of FIGURES) {
    it(`${f.file}: prose figures of outagewatch ${f.args}`, async () => {
      const text = readFileSync(join(DOCS, f.file), 'utf8');
      const m = text.match(f.pattern);
      expect(m, `${f.file} no longer has the sentence ${f.pattern}`).not.toBeNull();
      f.expect(await run(f.args), m!);
    }, 120_000);
  }

  it('the matcher fails on drift: a changed figure, a missing key, a longer list', () => {
    expect(matches({ p: 0.0333, n: [1, 2] }, { p: 0.0333333, n: [1, 2, 3] })).toEqual([]);
    expect(matches({ p: 0.0476 }, { p: 0.0333333 })).toHaveLength(1);
    expect(matches({ q: 1 }, { p: 1 })).toHaveLength(1);
    expect(matches([1, 2, 3], [1, 2])).toHaveLength(1);
    expect(matches('OONI … began', 'OONI Web Connectivity began')).toEqual([]);
    expect(matches('OONI … began', 'IODA never began')).toHaveLength(1);
  });
});
