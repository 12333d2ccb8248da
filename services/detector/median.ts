/**
 * Sliding-window median in O(log W) per add/remove: two binary heaps (max-heap for the lower half,
 * min-heap for the upper half) with lazy deletion. Removed values are remembered in a multiset and
 * discarded when they reach a heap top; the heaps are compacted when stale entries pile up.
 * Values must not be NaN; remove() only values that were added and are still in the window.
 */

class Heap {
  data: Float64Array;
  length = 0;
  /** +1: min-heap, -1: max-heap (values are stored negated). */
  constructor(
    private readonly sign: 1 | -1,
    capacity = 16,
  ) {
    this.data = new Float64Array(capacity);
  }

  top(): number {
    return this.sign * this.data[0]!;
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    const d = this.data;
    const v = this.sign * value;
    let i = this.length++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pv = d[p]!;
      if (pv <= v) break;
      d[i] = pv;
      i = p;
    }
    d[i] = v;
  }

  pop(): number {
    const d = this.data;
    const top = d[0]!;
    const last = d[--this.length]!;
    const n = this.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && d[r]! < d[l]! ? r : l;
        if (d[c]! >= last) break;
        d[i] = d[c]!;
        i = c;
      }
      d[i] = last;
    }
    return this.sign * top;
  }

  /** Rebuilds the heap from the values kept by `keep` (Floyd's heapify). */
  rebuild(keep: (value: number) => boolean): void {
    const d = this.data;
    let n = 0;
    for (let i = 0; i < this.length; i++) {
      const v = d[i]!;
      if (keep(this.sign * v)) d[n++] = v;
    }
    this.length = n;
    for (let i = (n >> 1) - 1; i >= 0; i--) {
      const v = d[i]!;
      let j = i;
      for (;;) {
        const l = 2 * j + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && d[r]! < d[l]! ? r : l;
        if (d[c]! >= v) break;
        d[j] = d[c]!;
        j = c;
      }
      d[j] = v;
    }
  }
}

export class SlidingMedian {
  private readonly lo = new Heap(-1);
  private readonly hi = new Heap(1);
  private loSize = 0;
  private hiSize = 0;
  private readonly delayed = new Map<number, number>();
  private delayedCount = 0;

  get size(): number {
    return this.loSize + this.hiSize;
  }

  add(value: number): void {
    if (this.loSize === 0 || value <= this.lo.top()) {
      this.lo.push(value);
      this.loSize++;
    } else {
      this.hi.push(value);
      this.hiSize++;
    }
    this.balance();
  }

  remove(value: number): void {
    this.delayed.set(value, (this.delayed.get(value) ?? 0) + 1);
    this.delayedCount++;
    if (this.loSize > 0 && value <= this.lo.top()) {
      this.loSize--;
      if (value === this.lo.top()) this.prune(this.lo);
    } else {
      this.hiSize--;
      if (this.hi.length > 0 && value === this.hi.top()) this.prune(this.hi);
    }
    this.balance();
    if (this.delayedCount > 64 && this.delayedCount > 2 * this.size) this.compact();
  }

  /** The median of the values in the window (NaN when empty). */
  median(): number {
    const n = this.loSize + this.hiSize;
    if (n === 0) return NaN;
    if (n % 2 === 1) return this.lo.top();
    return (this.lo.top() + this.hi.top()) / 2;
  }

  private prune(h: Heap): void {
    while (h.length > 0) {
      const v = h.top();
      const c = this.delayed.get(v);
      if (c === undefined) return;
      if (c === 1) this.delayed.delete(v);
      else this.delayed.set(v, c - 1);
      this.delayedCount--;
      h.pop();
    }
  }

  private balance(): void {
    if (this.loSize > this.hiSize + 1) {
      this.hi.push(this.lo.pop());
      this.loSize--;
      this.hiSize++;
      this.prune(this.lo);
    } else if (this.loSize < this.hiSize) {
      this.lo.push(this.hi.pop());
      this.hiSize--;
      this.loSize++;
      this.prune(this.hi);
    }
  }

  /** Drops every stale entry from both heaps. */
  private compact(): void {
    const pending = this.delayed;
    const keep = (v: number) => {
      const c = pending.get(v);
      if (c === undefined) return true;
      if (c === 1) pending.delete(v);
      else pending.set(v, c - 1);
      return false;
    };
    this.lo.rebuild(keep);
    this.hi.rebuild(keep);
    this.delayed.clear();
    this.delayedCount = 0;
    // no stale entries are left: the physical sizes are the true ones
    this.loSize = this.lo.length;
    this.hiSize = this.hi.length;
    while (this.loSize > this.hiSize + 1 || this.loSize < this.hiSize) this.balance();
  }
}

/**
 * Sliding median over items identified by integer ids (point indices), values read from a shared
 * array: two binary heaps of ids with each id's heap position tracked, so an arbitrary item is removed
 * in O(log W) directly — no lazy deletion, no hashing, no allocation per step. Several instances may
 * share one `pos`/`side` pair (an id lives in at most one instance at a time).
 * The lower half is a max-heap (`lo`), the upper half a min-heap (`hi`); |lo| is |hi| or |hi| + 1.
 */
export class IndexedMedian {
  private lo: Int32Array;
  private hi: Int32Array;
  private nLo = 0;
  private nHi = 0;
  private readonly vals: Float64Array;
  private readonly pos: Int32Array;
  private readonly side: Int8Array;

  constructor(vals: Float64Array, pos: Int32Array, side: Int8Array, capacity = 16) {
    this.vals = vals;
    this.pos = pos;
    this.side = side;
    this.lo = new Int32Array(Math.max(4, capacity));
    this.hi = new Int32Array(Math.max(4, capacity));
  }

  get size(): number {
    return this.nLo + this.nHi;
  }

  median(): number {
    const n = this.nLo + this.nHi;
    if (n === 0) return NaN;
    const a = this.vals[this.lo[0]!]!;
    return (n & 1) === 1 ? a : (a + this.vals[this.hi[0]!]!) / 2;
  }

  /**
   * Writes the median to `out[o]`, or NaN when fewer than `need` items are held (written, not returned: a caller
   * that cannot inline this would get each double as a heap allocation).
   */
  medianInto(out: Float64Array, o: number, need: number): void {
    const n = this.nLo + this.nHi;
    if (n < need || n === 0) out[o] = NaN;
    else if ((n & 1) === 1) out[o] = this.vals[this.lo[0]!]!;
    else out[o] = (this.vals[this.lo[0]!]! + this.vals[this.hi[0]!]!) / 2;
  }

  add(id: number): void {
    const v = this.vals[id]!;
    if (this.nLo === 0 || v <= this.vals[this.lo[0]!]!) {
      if (this.nLo === this.lo.length) this.lo = grow(this.lo);
      this.side[id] = 1;
      this.upLo(this.nLo++, id, v);
      if (this.nLo > this.nHi + 1) this.moveLoToHi();
    } else {
      if (this.nHi === this.hi.length) this.hi = grow(this.hi);
      this.side[id] = 2;
      this.upHi(this.nHi++, id, v);
      if (this.nHi > this.nLo) this.moveHiToLo();
    }
  }

  remove(id: number): void {
    const s = this.side[id];
    if (s === 1) {
      this.side[id] = 0;
      this.removeLo(this.pos[id]!);
      if (this.nLo < this.nHi) this.moveHiToLo();
    } else if (s === 2) {
      this.side[id] = 0;
      this.removeHi(this.pos[id]!);
      if (this.nLo > this.nHi + 1) this.moveLoToHi();
    }
  }

  /**
   * Removes item `out` and adds item `inn` in one step (a sliding window moving by one point): `inn` takes `out`'s
   * place in its heap — or, when it belongs to the other half, the other half's nearest value takes that place and
   * `inn` takes the other heap's top — so the sizes never change and one sift per heap is done instead of the four a
   * removal and an addition (each rebalancing) would do. The median after it is the one `remove(out); add(inn)` gives:
   * it depends only on the values held. An `out` not held is only an addition.
   */
  replace(out: number, inn: number): void {
    const s = this.side[out];
    if (s !== 1 && s !== 2) {
      this.add(inn);
      return;
    }
    const vals = this.vals;
    const v = vals[inn]!;
    const p = this.pos[out]!;
    this.side[out] = 0;
    if (s === 1) {
      if (this.nHi === 0 || v <= vals[this.hi[0]!]!) {
        this.side[inn] = 1;
        this.siftLo(p, inn, v);
      } else {
        // the smallest of the upper half moves down into `out`'s place; `inn` takes its place
        const m = this.hi[0]!;
        this.side[inn] = 2;
        this.downHi(0, inn, v);
        this.side[m] = 1;
        this.siftLo(p, m, vals[m]!);
      }
    } else if (v >= vals[this.lo[0]!]!) {
      this.side[inn] = 2;
      this.siftHi(p, inn, v);
    } else {
      // the largest of the lower half moves up into `out`'s place; `inn` takes its place
      const m = this.lo[0]!;
      this.side[inn] = 1;
      this.downLo(0, inn, v);
      this.side[m] = 2;
      this.siftHi(p, m, vals[m]!);
    }
  }

  /** Puts `id` (value v) at position i of the lower heap and restores the heap order around it. */
  private siftLo(i: number, id: number, v: number): void {
    if (i > 0 && this.vals[this.lo[(i - 1) >> 1]!]! < v) this.upLo(i, id, v);
    else this.downLo(i, id, v);
  }

  private siftHi(i: number, id: number, v: number): void {
    if (i > 0 && this.vals[this.hi[(i - 1) >> 1]!]! > v) this.upHi(i, id, v);
    else this.downHi(i, id, v);
  }

  private moveLoToHi(): void {
    const id = this.lo[0]!;
    this.removeLo(0);
    if (this.nHi === this.hi.length) this.hi = grow(this.hi);
    this.side[id] = 2;
    this.upHi(this.nHi++, id, this.vals[id]!);
  }

  private moveHiToLo(): void {
    const id = this.hi[0]!;
    this.removeHi(0);
    if (this.nLo === this.lo.length) this.lo = grow(this.lo);
    this.side[id] = 1;
    this.upLo(this.nLo++, id, this.vals[id]!);
  }

  private upLo(i: number, id: number, v: number): void {
    const h = this.lo;
    const vals = this.vals;
    const pos = this.pos;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pid = h[p]!;
      if (vals[pid]! >= v) break;
      h[i] = pid;
      pos[pid] = i;
      i = p;
    }
    h[i] = id;
    pos[id] = i;
  }

  private upHi(i: number, id: number, v: number): void {
    const h = this.hi;
    const vals = this.vals;
    const pos = this.pos;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pid = h[p]!;
      if (vals[pid]! <= v) break;
      h[i] = pid;
      pos[pid] = i;
      i = p;
    }
    h[i] = id;
    pos[id] = i;
  }

  private downLo(i: number, id: number, v: number): void {
    const h = this.lo;
    const n = this.nLo;
    const vals = this.vals;
    const pos = this.pos;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      let cv = vals[h[c]!]!;
      const r = c + 1;
      if (r < n) {
        const rv = vals[h[r]!]!;
        if (rv > cv) {
          c = r;
          cv = rv;
        }
      }
      if (cv <= v) break;
      const cid = h[c]!;
      h[i] = cid;
      pos[cid] = i;
      i = c;
    }
    h[i] = id;
    pos[id] = i;
  }

  private downHi(i: number, id: number, v: number): void {
    const h = this.hi;
    const n = this.nHi;
    const vals = this.vals;
    const pos = this.pos;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      let cv = vals[h[c]!]!;
      const r = c + 1;
      if (r < n) {
        const rv = vals[h[r]!]!;
        if (rv < cv) {
          c = r;
          cv = rv;
        }
      }
      if (cv >= v) break;
      const cid = h[c]!;
      h[i] = cid;
      pos[cid] = i;
      i = c;
    }
    h[i] = id;
    pos[id] = i;
  }

  private removeLo(i: number): void {
    const n = --this.nLo;
    if (i === n) return;
    const last = this.lo[n]!;
    this.siftLo(i, last, this.vals[last]!);
  }

  private removeHi(i: number): void {
    const n = --this.nHi;
    if (i === n) return;
    const last = this.hi[n]!;
    this.siftHi(i, last, this.vals[last]!);
  }
}

function grow(h: Int32Array): Int32Array {
  const g = new Int32Array(h.length * 2);
  g.set(h);
  return g;
}
