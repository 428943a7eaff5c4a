/**
 * Quantiles from cumulative histogram buckets, as Prometheus' histogram_quantile computes them:
 * linear interpolation inside the bucket the rank falls into, the first bucket starting at 0, and
 * the highest finite bound when the rank lands in the +Inf bucket.
 */

/** Per-bucket cumulative counts of the interval between two readings of the same histogram. */
export function cumulativeDelta(previous: readonly number[] | undefined, current: readonly number[]): number[] {
  // A counter that went down means the source restarted: the current reading is the whole interval.
  if (!previous || previous.length !== current.length || current.some((n, i) => n < previous[i]!)) return [...current];
  return current.map((n, i) => n - previous[i]!);
}

/**
 * The q-quantile (0..1) of a histogram given as `bounds` (upper bounds, ascending, +Inf implied
 * after the last) and `cumulative` counts (one per bound plus the +Inf bucket). Undefined when the
 * histogram is empty.
 */
export function histogramQuantile(q: number, bounds: readonly number[], cumulative: readonly number[]): number | undefined {
  const total = cumulative[cumulative.length - 1] ?? 0;
  if (total <= 0 || !(q >= 0 && q <= 1)) return undefined;
  const rank = q * total;
  let i = cumulative.findIndex((n) => n >= rank);
  if (i < 0) i = cumulative.length - 1;
  if (i >= bounds.length) return bounds[bounds.length - 1];
  const lower = i === 0 ? 0 : bounds[i - 1]!;
  const below = i === 0 ? 0 : cumulative[i - 1]!;
  const inBucket = cumulative[i]! - below;
  if (inBucket <= 0) return bounds[i];
  return lower + (bounds[i]! - lower) * ((rank - below) / inBucket);
}
