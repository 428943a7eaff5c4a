import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SmoothWeightedRoundRobin } from './wrr.ts';

function sequence(weights: number[], n: number): number[] {
  const rr = new SmoothWeightedRoundRobin(weights);
  return Array.from({ length: n }, () => rr.next());
}

const counts = (seq: number[], k: number) => seq.reduce((c, i) => { c[i]!++; return c; }, new Array<number>(k).fill(0));

describe('SmoothWeightedRoundRobin', () => {
  it('40/30/30 is exactly 40/30/30 after 100 picks, and 50/50 is 1000/1000 after 2000', () => {
    assert.deepEqual(counts(sequence([40, 30, 30], 100), 3), [40, 30, 30]);
    assert.deepEqual(counts(sequence([50, 50], 2000), 2), [1000, 1000]);
  });

  for (const weights of [[50, 50], [40, 30, 30], [99, 1], [10, 20, 70], [33, 33, 34], [1, 2, 3, 4], [5, 10, 20, 30, 35]]) {
    it(`${weights.join('/')}: every window of N picks gives each target within one request of N × weight`, () => {
      const total = weights.reduce((a, b) => a + b, 0);
      const seq = sequence(weights, 400);
      for (let start = 0; start < 200; start++) {
        const c = new Array<number>(weights.length).fill(0);
        for (let end = start; end < start + 200; end++) {
          c[seq[end]!]!++;
          const n = end - start + 1;
          weights.forEach((w, i) => {
            const expected = (n * w) / total;
            assert.ok(c[i]! >= Math.floor(expected) - 1 && c[i]! <= Math.ceil(expected) + 1,
              `window [${start}, ${end}]: target ${i} got ${c[i]}, expected ${expected}`);
          });
        }
      }
    });
  }

  it('every prefix stays within one request of its share', () => {
    const weights = [40, 30, 30];
    const seq = sequence(weights, 1000);
    const c = [0, 0, 0];
    seq.forEach((x, n) => {
      c[x]!++;
      weights.forEach((w, i) => assert.ok(Math.abs(c[i]! - ((n + 1) * w) / 100) < 1, `prefix ${n + 1}: ${c}`));
    });
  });

  it('a single target always wins; zero weights never do', () => {
    assert.deepEqual(new Set(sequence([7], 10)), new Set([0]));
    assert.ok(!sequence([0, 5, 5], 50).includes(0));
    assert.throws(() => new SmoothWeightedRoundRobin([0, 0]));
  });
});
