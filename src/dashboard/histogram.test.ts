import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cumulativeDelta, histogramQuantile } from './histogram.ts';

const BOUNDS = [10, 20, 50, 100];

test('quantiles interpolate linearly inside the bucket, like histogram_quantile', () => {
  // 10 requests in (0,10], 10 in (10,20]: the median is the top of the first bucket.
  assert.equal(histogramQuantile(0.5, BOUNDS, [10, 20, 20, 20, 20]), 10);
  assert.equal(histogramQuantile(0.75, BOUNDS, [10, 20, 20, 20, 20]), 15);
  // All in (20,50]: p99 is 20 + 30 * 0.99.
  assert.equal(histogramQuantile(0.99, BOUNDS, [0, 0, 100, 100, 100]), 20 + 30 * 0.99);
  // The first bucket starts at 0.
  assert.equal(histogramQuantile(0.5, BOUNDS, [4, 4, 4, 4, 4]), 5);
});

test('a rank in the +Inf bucket gives the highest finite bound; an empty histogram nothing', () => {
  assert.equal(histogramQuantile(0.99, BOUNDS, [0, 0, 0, 50, 100]), 100);
  assert.equal(histogramQuantile(0.5, BOUNDS, [0, 0, 0, 0, 0]), undefined);
  assert.equal(histogramQuantile(1.5, BOUNDS, [1, 1, 1, 1, 1]), undefined);
});

test('deltas of cumulative buckets give the interval; a reset restarts from the current reading', () => {
  assert.deepEqual(cumulativeDelta([1, 2, 3], [2, 5, 9]), [1, 3, 6]);
  assert.deepEqual(cumulativeDelta(undefined, [2, 5, 9]), [2, 5, 9]);
  assert.deepEqual(cumulativeDelta([4, 8, 9], [1, 1, 2]), [1, 1, 2]);
  // p50 of the interval, not of everything since the start.
  const before = [100, 100, 100, 100, 100];
  const after = [100, 100, 110, 110, 110];
  assert.equal(histogramQuantile(0.5, BOUNDS, cumulativeDelta(before, after)), 35);
});
