import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MetricsCollector, RevisionMetrics, SecondBuckets, TrafficSampler, type RevisionTrafficReading } from './metrics.ts';

describe('SecondBuckets (Knative bucketing, window 5 s)', () => {
  type Step = [atSec: number, value: number];
  const cases: [string, Step[], number, number, boolean][] = [
    // name, records, now, want average, want empty
    ['no data', [], 10, 0, true],
    ['one sample', [[10, 1]], 10, 1, false],
    ['fractional timestamps land in their second', [[10.2, 1], [10.9, 2]], 10.5, 3, false],
    ['missing second between writes counts as 0', [[10, 2], [12, 4]], 12, 2, false],
    ['seconds after the last write are not counted', [[10, 2], [12, 4]], 14, 2, false],
    ['steady value over more than a window', Array.from({ length: 10 }, (_, i): Step => [i, 1]), 9, 1, false],
    ['values leave the window', [[0, 10], [1, 0], [2, 0], [3, 0], [4, 0], [5, 0]], 5, 0, false],
    ['partly left the window', [[0, 10], [1, 0], [2, 0], [3, 0], [4, 5]], 5, 1.25, false],
    ['silence for a window restarts the average', [[0, 5], [5, 1]], 5, 1, false],
    ['read a full window after the last write → 0', [[0, 5]], 5, 0, false],
    ['empty once more than a window passed', [[0, 5]], 6, 0, true],
    ['late sample within the window extends the span', [[10, 3], [8, 3]], 10, 2, false],
    ['sample older than a window is dropped', [[10, 3], [5, 100]], 10, 3, false],
    ['rounded to 6 digits', [[10, 1], [11, 0], [12, 0]], 12, 0.333333, false],
  ];
  for (const [name, steps, now, avg, empty] of cases) {
    it(name, () => {
      const b = new SecondBuckets(5000);
      for (const [t, v] of steps) b.record(t, v);
      assert.equal(b.average(now), avg);
      assert.equal(b.isEmpty(now), empty);
    });
  }

  it('resize keeps the newest buckets', () => {
    const b = new SecondBuckets(5000);
    for (let t = 0; t < 5; t++) b.record(t, t);
    b.resize(2000, 4);
    assert.equal(b.windowMs, 2000);
    // Knative sets firstWrite from the old bucket count, so the span is the new window: (3+4)/2.
    assert.equal(b.average(4), 3.5);
    // Growing keeps only what the smaller window held.
    b.resize(10_000, 4);
    assert.equal(b.average(4), 3.5);
  });

  it('resize after a long silence forgets everything', () => {
    const b = new SecondBuckets(5000);
    b.record(0, 7);
    b.resize(10_000, 100);
    assert.equal(b.isEmpty(100), true);
    b.record(100, 2);
    assert.equal(b.average(100), 2);
  });
});

describe('RevisionMetrics', () => {
  it('stable and panic windows average separately; no stable data = undefined', () => {
    const m = new RevisionMetrics(60_000, 6000);
    assert.equal(m.averages('concurrency', 100), undefined);
    for (let t = 100; t < 160; t++) m.record({ timestampSec: t, averageConcurrency: t < 154 ? 0 : 10, requestCount: t < 154 ? 1 : 20 });
    assert.deepEqual(m.averages('concurrency', 159), { stable: 1, panic: 10 });
    assert.deepEqual(m.averages('rps', 159), { stable: (54 + 6 * 20) / 60, panic: 20 });
    assert.equal(m.averages('concurrency', 220), undefined);
  });

  it('collector drops samples of revisions it does not collect', () => {
    const c = new MetricsCollector();
    c.record('ns/a', { timestampSec: 1, averageConcurrency: 1, requestCount: 1 });
    assert.equal(c.averages('ns/a', 'concurrency', 1), undefined);
    c.ensure('ns/a', 6000, 1000, 1);
    c.record('ns/a', { timestampSec: 1, averageConcurrency: 4, requestCount: 1 });
    assert.deepEqual(c.averages('ns/a', 'concurrency', 1), { stable: 4, panic: 4 });
    c.delete('ns/a');
    assert.equal(c.has('ns/a'), false);
  });
});

describe('TrafficSampler', () => {
  function setup() {
    const readings = new Map<string, RevisionTrafficReading>();
    const collector = new MetricsCollector();
    collector.ensure('ns/r', 60_000, 6000, 0);
    const sampler = new TrafficSampler({ revision: (ns, name) => readings.get(`${ns}/${name}`) }, collector);
    const set = (concurrencyIntegralMs: number, requests: number, inFlight: number) => readings.set('ns/r', { concurrencyIntegralMs, requests, inFlight });
    return { collector, sampler, set };
  }

  it('records nothing for an idle revision without instances', () => {
    const { collector, sampler } = setup();
    sampler.sample('ns/r', 1000, 0);
    assert.equal(collector.averages('ns/r', 'concurrency', 1), undefined);
  });

  it('records zeros for a revision with ready instances the gateway has not seen', () => {
    const { collector, sampler } = setup();
    sampler.sample('ns/r', 1000, 2);
    assert.deepEqual(collector.averages('ns/r', 'concurrency', 1), { stable: 0, panic: 0 });
  });

  it('turns counter deltas into time-weighted concurrency and a per-second rate', () => {
    const { collector, sampler, set } = setup();
    set(0, 0, 0);
    sampler.sample('ns/r', 10_000, 1);
    set(1500, 3, 1); // 1.5 requests in flight on average over the next second
    sampler.sample('ns/r', 11_000, 1);
    set(1500 + 2000 * 2, 3 + 4, 0); // 2 s of 2 in flight, 4 more requests
    sampler.sample('ns/r', 13_000, 1);
    // Samples: 0 in second 10, 1.5 in second 11 (never the previous sample's second), 2 in second 12.
    assert.deepEqual(collector.averages('ns/r', 'concurrency', 12), { stable: round((0 + 1.5 + 0 + 2) / 3), panic: round(3.5 / 3) });
    assert.deepEqual(collector.averages('ns/r', 'rps', 12), { stable: round((3 + 2) / 3), panic: round(5 / 3) });
  });

  it('jittery timers neither double nor skip a second; a stall is filled with its average', () => {
    const { collector, sampler, set } = setup();
    set(0, 0, 4);
    sampler.sample('ns/r', 10_000, 1); // 4 in second 10
    set(4 * 900, 0, 4);
    sampler.sample('ns/r', 10_900, 1); // 4 in second 11
    set(4 * 2000, 0, 4);
    sampler.sample('ns/r', 12_000, 1); // 4 in second 12
    set(4 * 5000, 0, 4);
    sampler.sample('ns/r', 15_000, 1); // a 3 s stall: 4 in seconds 13 and 14 (up to the middle of the interval)
    assert.deepEqual(collector.averages('ns/r', 'concurrency', 14), { stable: 4, panic: 4 });
  });

  it('uses the in-flight count for a first reading', () => {
    const { collector, sampler, set } = setup();
    set(123_456, 10, 3);
    sampler.sample('ns/r', 5000, 0);
    assert.deepEqual(collector.averages('ns/r', 'concurrency', 5), { stable: 3, panic: 3 });
  });

  it('an activation reports concurrency 1 at once and is discounted from the next sample', () => {
    const { collector, sampler, set } = setup();
    set(0, 0, 0);
    sampler.sample('ns/r', 20_000, 0);
    sampler.activation('ns/r', 20_300);
    assert.deepEqual(collector.averages('ns/r', 'concurrency', 20.3), { stable: 1, panic: 1 });
    set(700, 1, 0); // the request ran for 0.7 s
    sampler.sample('ns/r', 21_000, 0);
    // The next sample, max(0, 0.7 − 1) = 0 with no instance and nothing in flight, is not recorded.
    assert.deepEqual(collector.averages('ns/r', 'concurrency', 21), { stable: 1, panic: 1 });
    assert.deepEqual(collector.averages('ns/r', 'rps', 21), { stable: 1, panic: 1 });
  });

  it('a counter reset starts over from the in-flight count', () => {
    const { collector, sampler, set } = setup();
    set(50_000, 100, 0);
    sampler.sample('ns/r', 1000, 1);
    set(10, 0, 2);
    sampler.sample('ns/r', 2000, 1);
    assert.deepEqual(collector.averages('ns/r', 'concurrency', 2), { stable: 1, panic: 1 });
  });
});

function round(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}
