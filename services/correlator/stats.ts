/**
 * Small exact distributions used by the correlator, computed in log space so that C(N, K) never overflows.
 * Pure functions, no I/O.
 */

/** ln Γ(x) by the Lanczos approximation (g = 7, n = 9); accurate to ~1e-15 for x > 0. */
export function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const xx = x - 1;
  let a = c[0]!;
  const t = xx + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (xx + i);
  return 0.5 * Math.log(2 * Math.PI) + (xx + 0.5) * Math.log(t) - t + Math.log(a);
}

export function logChoose(n: number, k: number): number {
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
}

/** P(X ≥ k) for X ~ Binomial(n, q), summing K* = k..n inclusive (CoinCalc's convention, not pyunicorn's). */
export function binomialUpperTail(k: number, n: number, q: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (q <= 0) return 0;
  if (q >= 1) return 1;
  const lq = Math.log(q);
  const l1q = Math.log1p(-q);
  let sum = 0;
  for (let i = k; i <= n; i++) sum += Math.exp(logChoose(n, i) + i * lq + (n - i) * l1q);
  return Math.min(1, sum);
}

/** P(X ≤ k) for X ~ Binomial(n, q). */
export function binomialCdf(k: number, n: number, q: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  return Math.max(0, 1 - binomialUpperTail(k + 1, n, q));
}

/**
 * P(X ≥ k) for X a sum of independent Bernoulli(q_j) (Poisson-binomial), by the exact O(n²) recursion.
 * Equals the binomial tail when every q_j is the same.
 */
export function poissonBinomialUpperTail(k: number, qs: readonly number[]): number {
  if (k <= 0) return 1;
  if (k > qs.length) return 0;
  let dist = new Float64Array(qs.length + 1);
  dist[0] = 1;
  let n = 0;
  for (const q of qs) {
    const next = new Float64Array(qs.length + 1);
    for (let i = 0; i <= n; i++) {
      const p = dist[i]!;
      if (p === 0) continue;
      next[i] = next[i]! + p * (1 - q);
      next[i + 1] = next[i + 1]! + p * q;
    }
    dist = next;
    n++;
  }
  let tail = 0;
  for (let i = k; i <= n; i++) tail += dist[i]!;
  return Math.min(1, Math.max(0, tail));
}

/** Benjamini–Hochberg adjusted p-values (q-values), in the input order: q_(i) = min_{j≥i} min(1, m·p_(j)/j). */
export function benjaminiHochberg(ps: readonly number[]): number[] {
  const m = ps.length;
  const order = ps.map((p, i) => [p, i] as const).sort((a, b) => a[0] - b[0]);
  const q = new Array<number>(m).fill(1);
  let running = 1;
  for (let r = m - 1; r >= 0; r--) {
    const [p, i] = order[r]!;
    running = Math.min(running, Math.min(1, (m * p) / (r + 1)));
    q[i] = running;
  }
  return q;
}

/** Smallest and largest k with P(X ≤ k) within the central `level` of Binomial(n, q) — the acceptance interval. */
export function binomialInterval(n: number, q: number, level: number): [number, number] {
  const lo = (1 - level) / 2;
  let a = 0;
  while (a < n && binomialCdf(a, n, q) < lo) a++;
  let b = n;
  while (b > 0 && 1 - binomialCdf(b - 1, n, q) < lo) b--;
  return [a, b];
}
