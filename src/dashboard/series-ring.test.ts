import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeriesRing, type Sample } from './series-ring.ts';

const sample = (rps: number | null, instances: number | null = 1): Sample => ({ rps, p50: null, p99: null, errorRate: null, instances, inFlight: 0 });

test('keeps the last `capacity` instants, oldest first, with every series aligned to them', () => {
  const ring = new SeriesRing(3);
  ring.push(1000, new Map([['ns/a', sample(1)]]));
  ring.push(2000, new Map([['ns/a', sample(2)], ['ns/b', sample(20)]]));
  let snap = ring.snapshot();
  assert.deepEqual(snap.times, [1000, 2000]);
  assert.deepEqual(snap.series['ns/a']!.rps, [1, 2]);
  assert.deepEqual(snap.series['ns/b']!.rps, [null, 20], 'a revision that appears later has a gap before');
  ring.push(3000, new Map([['ns/b', sample(30)]]));
  ring.push(4000, new Map([['ns/a', sample(4)], ['ns/b', sample(null, 0)]]));
  snap = ring.snapshot();
  assert.equal(ring.length, 3);
  assert.deepEqual(snap.times, [2000, 3000, 4000]);
  assert.deepEqual(snap.series['ns/a']!.rps, [2, null, 4]);
  assert.deepEqual(snap.series['ns/b']!.rps, [20, 30, null]);
  assert.deepEqual(snap.series['ns/b']!.instances, [1, 1, 0]);
});

test('wraps many times and drops forgotten revisions', () => {
  const ring = new SeriesRing(900);
  for (let i = 0; i < 2000; i++) ring.push(i * 1000, new Map([['ns/a', sample(i)], ['ns/b', sample(-i)]]));
  const snap = ring.snapshot();
  assert.equal(snap.times.length, 900);
  assert.equal(snap.times[0], 1100 * 1000);
  assert.equal(snap.series['ns/a']!.rps[899], 1999);
  ring.drop('ns/b');
  assert.deepEqual(Object.keys(ring.snapshot().series), ['ns/a']);
});
