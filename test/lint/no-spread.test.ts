import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * A lint rule run as a test: no source module spreads an array into the arguments of `Math.min`, `Math.max`,
 * `push` or `unshift`. Spread arguments go on the stack one by one: a year of 5-minute points (~105,000) is
 * already near V8's limit, and ten years fail with "Maximum call stack size exceeded" (issue 21: reports over
 * more than about 19 months did). Loops or `reduce` work for any length, so the rule has no exceptions.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const DIRS = ['collectors', 'db', 'services', 'dashboards', 'bench'];
const CALL = /(?:\bMath\.(?:min|max)|\.push|\.unshift)\s*\(/g;

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== 'node_modules' && name !== 'public') out.push(...files(p));
    } else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** The argument text of the call whose `(` is at `open` (to the matching `)`), or null when unbalanced. */
function argsAt(src: string, open: number): string | null {
  let depth = 0;
  for (let i = open; i < src.length; i++) {
    const c = src[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) return src.slice(open + 1, i);
    }
  }
  return null;
}

/** A spread passed directly as an argument: `...x` at the call's own level (not inside a nested literal or call). */
function spreadsDirectly(args: string): boolean {
  let depth = 0;
  let quote: string | null = null;
  for (let i = 0; i < args.length; i++) {
    const c = args[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (depth === 0 && args.startsWith('...', i)) return true;
  }
  return false;
}

/** The source with comments blanked (newlines kept, so line numbers stay), strings left as they are. */
function withoutComments(src: string): string {
  let out = '';
  let quote: string | null = null;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (quote) {
      out += c;
      if (c === '\\') out += src[++i] ?? '';
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'" || c === '`') {
      quote = c;
      out += c;
    } else if (src.startsWith('//', i)) {
      while (i < src.length && src[i] !== '\n') i++;
      out += '\n';
    } else if (src.startsWith('/*', i)) {
      const end = src.indexOf('*/', i + 2);
      const stop = end < 0 ? src.length : end + 2;
      out += src.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop - 1;
    } else out += c;
  }
  return out;
}

export function findSpreads(source: string): number[] {
  const src = withoutComments(source);
  const lines: number[] = [];
  for (const m of src.matchAll(CALL)) {
    const open = m.index + m[0].length - 1;
    const args = argsAt(src, open);
    if (args !== null && spreadsDirectly(args)) lines.push(src.slice(0, m.index).split('\n').length);
  }
  return lines;
}

describe('no spread arguments into min/max/push', () => {
  it('the rule catches the forms that overflow and passes loops and nested literals', () => {
    expect(findSpreads('const lo = Math.min(...values);')).toEqual([1]);
    expect(findSpreads('x\nout.push(a, ...rows.map((r) => r.v));')).toEqual([2]);
    expect(findSpreads('Math.max(0, ...xs)')).toEqual([1]);
    expect(findSpreads('out.push([...pair]); Math.min(a, f(...xs)); out.push("...")')).toEqual([]);
    expect(findSpreads('// loops, never Math.min(...values)\n/* out.push(...x) */ ok();')).toEqual([]);
    expect(findSpreads('for (const v of xs) out.push(v); xs.reduce((m, v) => Math.min(m, v), Infinity);')).toEqual([]);
  });

  it('holds in every source module', () => {
    const found: string[] = [];
    for (const dir of DIRS)
      for (const f of files(join(ROOT, dir)))
        for (const line of findSpreads(readFileSync(f, 'utf8'))) found.push(`${relative(ROOT, f)}:${line}`);
    expect(found, 'use a loop or reduce instead of spreading an array into Math.min/Math.max/push/unshift').toEqual([]);
  });
});
