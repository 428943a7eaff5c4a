import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkQueue } from './workqueue.ts';

describe('WorkQueue', () => {
  it('dedupes queued keys and never runs one key twice at once', async () => {
    const q = new WorkQueue({ workers: 1 });
    const seen: string[] = [];
    let inFlight = 0;
    let maxInFlightA = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    q.start(async (key) => {
      seen.push(key);
      if (key === 'a') { inFlight++; maxInFlightA = Math.max(maxInFlightA, inFlight); await gate; inFlight--; }
    });
    q.add('a'); q.add('b'); q.add('b');
    q.add('a'); q.add('a'); // while 'a' is in flight: remembered once
    release();
    await q.whenIdle();
    assert.deepEqual(seen.filter((k) => k === 'b').length, 1);
    assert.deepEqual(seen.filter((k) => k === 'a').length, 2);
    assert.equal(maxInFlightA, 1);
    q.stop();
  });

  it('retries with backoff until success and counts retries as pending', async () => {
    const q = new WorkQueue({ baseDelayMs: 1, maxDelayMs: 4 });
    let attempts = 0;
    q.start(async (key) => {
      attempts++;
      if (attempts < 4) q.addRateLimited(key); else q.forget(key);
    });
    q.add('k');
    await q.whenIdle();
    assert.equal(attempts, 4);
    assert.equal(q.numRequeues('k'), 0);
    q.stop();
  });

  it('requeueAfter work does not hold idle', async () => {
    const q = new WorkQueue();
    q.start(async () => {});
    q.addAfter('later', 60_000);
    assert.equal(q.isIdle(), true);
    q.stop();
  });
});
