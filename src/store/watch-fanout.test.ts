import { it } from 'node:test';
import assert from 'node:assert/strict';
import { WatchFanout, type Change } from './watch-fanout.ts';
import type { StoreEvent } from './store.ts';

const RES = { group: 'serving.knative.dev', resource: 'services' };

function change(rv: number, namespace = 'default'): Change {
  const ref = { ...RES, namespace, name: `o${rv}` };
  return { rv, type: 'MODIFIED', ref, json: JSON.stringify({ apiVersion: 'v1', kind: 'X', metadata: { name: ref.name, namespace, resourceVersion: String(rv) } }) };
}

it('delivers a backlog longer than one batch, then live changes, in order and exactly once', async () => {
  const fanout = new WatchFanout();
  const seen: number[] = [];
  let finished!: () => void;
  const done = new Promise<void>((resolve) => { finished = resolve; });
  const backlog = Array.from({ length: 1000 }, (_, i) => change(i + 1));
  const w = fanout.subscribe(RES, undefined, 0, backlog, (ev: StoreEvent) => {
    seen.push(Number(ev.resourceVersion));
    if (seen.length === 1) for (let rv = 1001; rv <= 1010; rv++) fanout.publish(change(rv));
    if (seen.length === 1010) finished();
  });
  fanout.publish(change(5)); // at or below the subscription's start: already in the backlog, not repeated
  await done;
  assert.deepEqual(seen, Array.from({ length: 1010 }, (_, i) => i + 1));
  w.stop();
  assert.equal(fanout.size, 0);
});

it('a listener may stop its own watch; nothing is delivered afterwards', async () => {
  const fanout = new WatchFanout();
  const seen: number[] = [];
  let siblingDone!: () => void;
  const sibling = new Promise<void>((resolve) => { siblingDone = resolve; });
  const w = fanout.subscribe(RES, undefined, 0, [], () => { seen.push(seen.length); w.stop(); });
  const s = fanout.subscribe(RES, 'default', 0, [], (ev) => { if (ev.resourceVersion === '3') siblingDone(); });
  fanout.publish(change(1));
  fanout.publish(change(2, 'other')); // filtered out by the sibling's namespace
  fanout.publish(change(3));
  await sibling;
  assert.deepEqual(seen, [0]);
  s.stop();
});

it('stopAll ends every subscription', () => {
  const fanout = new WatchFanout();
  fanout.subscribe(RES, undefined, 0, [], () => {});
  fanout.subscribe({ group: '', resource: 'namespaces' }, undefined, 0, [], () => {});
  assert.equal(fanout.size, 2);
  fanout.stopAll();
  assert.equal(fanout.size, 0);
});
