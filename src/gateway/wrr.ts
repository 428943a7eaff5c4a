/**
 * Smooth weighted round-robin (nginx's algorithm): deterministic, so a 40/30/30 split is 40/30/30
 * over every window of requests, not only on average. Each pick adds every weight to its running
 * score, takes the highest score and lowers it by the total weight.
 */
export class SmoothWeightedRoundRobin {
  private readonly weights: Int32Array;
  private readonly current: Int32Array;
  private readonly total: number;

  /** `weights` are non-negative integers with a positive sum. */
  constructor(weights: readonly number[]) {
    const divisor = weights.reduce((g, w) => gcd(g, w), 0) || 1;
    this.weights = Int32Array.from(weights, (w) => w / divisor);
    this.current = new Int32Array(weights.length);
    this.total = this.weights.reduce((a, b) => a + b, 0);
    if (this.total <= 0) throw new Error('weighted round-robin needs a positive total weight');
  }

  /** Index of the next choice. */
  next(): number {
    const { weights, current } = this;
    let best = 0;
    for (let i = 0; i < weights.length; i++) {
      current[i]! += weights[i]!;
      if (current[i]! > current[best]!) best = i;
    }
    current[best]! -= this.total;
    return best;
  }
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}
