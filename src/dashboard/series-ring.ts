/**
 * Fixed-size time series of every revision, sampled at the same instants: one shared ring of
 * timestamps and, per revision, one ring per field aligned with it (NaN = no value at that
 * instant). Aligned columns are what uPlot draws, so a snapshot goes to the page as is.
 */

export const SERIES_FIELDS = ['rps', 'p50', 'p99', 'errorRate', 'instances', 'inFlight'] as const;
export type SeriesField = (typeof SERIES_FIELDS)[number];
/** One revision at one instant; null = unknown (no requests for latency, no gateway for rates). */
export type Sample = Record<SeriesField, number | null>;

export interface SeriesSnapshot {
  /** Sample instants, ms since the epoch, oldest first. */
  times: number[];
  /** Per revision key (`namespace/name`), per field, values aligned with `times`. */
  series: Record<string, Record<SeriesField, (number | null)[]>>;
}

export class SeriesRing {
  readonly #times: Float64Array;
  // Single precision is plenty for display (values are rounded to 3 decimals) and halves the memory
  // of 15 minutes of series for every revision.
  readonly #columns = new Map<string, Float32Array[]>();
  #start = 0;
  #length = 0;

  constructor(readonly capacity: number) {
    this.#times = new Float64Array(capacity);
  }

  get length(): number { return this.#length; }

  keys(): string[] { return [...this.#columns.keys()]; }

  /** Appends one instant; revisions without a sample get a gap, the oldest instant falls off when full. */
  push(t: number, samples: ReadonlyMap<string, Sample>): void {
    let slot: number;
    if (this.#length < this.capacity) {
      slot = (this.#start + this.#length) % this.capacity;
      this.#length++;
    } else {
      slot = this.#start;
      this.#start = (this.#start + 1) % this.capacity;
    }
    this.#times[slot] = t;
    for (const key of samples.keys()) {
      if (!this.#columns.has(key)) this.#columns.set(key, SERIES_FIELDS.map(() => new Float32Array(this.capacity).fill(NaN)));
    }
    for (const [key, cols] of this.#columns) {
      const s = samples.get(key);
      SERIES_FIELDS.forEach((f, i) => { cols[i]![slot] = s?.[f] ?? NaN; });
    }
  }

  /** Forgets a revision (deleted). */
  drop(key: string): void {
    this.#columns.delete(key);
  }

  snapshot(): SeriesSnapshot {
    const order = Array.from({ length: this.#length }, (_, i) => (this.#start + i) % this.capacity);
    const series: SeriesSnapshot['series'] = {};
    for (const [key, cols] of this.#columns) {
      const rec = {} as Record<SeriesField, (number | null)[]>;
      SERIES_FIELDS.forEach((f, i) => { rec[f] = order.map((slot) => nullIfNaN(cols[i]![slot]!)); });
      series[key] = rec;
    }
    return { times: order.map((slot) => this.#times[slot]!), series };
  }
}

/** NaN (no value) as null; single-precision noise (47.79999923…) rounded back to the stored 3 decimals. */
function nullIfNaN(v: number): number | null {
  return Number.isNaN(v) ? null : Math.round(v * 1000) / 1000;
}
