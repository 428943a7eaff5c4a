import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KObject } from '../apis/meta.ts';
import { DEFAULT_AUTOSCALER_CONFIG, type AutoscalerConfig } from '../config/autoscaler.ts';
import { Autoscaler } from './autoscaler.ts';
import type { RevisionTrafficReading } from './metrics.ts';

const G = 'autoscaling.knative.dev';
const KEY = 'default/hello-00001';

function revision(annotations: Record<string, string> = {}, status?: any): KObject {
  return {
    apiVersion: 'serving.knative.dev/v1', kind: 'Revision',
    metadata: { namespace: 'default', name: 'hello-00001', annotations },
    spec: { containerConcurrency: 0, containers: [{ image: 'x' }] },
    ...(status ? { status } : {}),
  } as KObject;
}

/** A fake gateway: a steady in-flight count integrated over the fake clock. */
class FakeTraffic {
  inFlight = 0;
  integral = 0;
  requests = 0;
  #last = 0;
  constructor(private readonly clock: () => number) { this.#last = clock(); }
  advanceTo(now: number): void {
    this.integral += this.inFlight * (now - this.#last);
    this.#last = now;
  }
  revision(_ns: string, _name: string): RevisionTrafficReading {
    this.advanceTo(this.clock());
    return { concurrencyIntegralMs: this.integral, requests: this.requests, inFlight: this.inFlight };
  }
}

function setup(config: Partial<AutoscalerConfig> = {}) {
  let now = 1_000_000_000_000; // an even second
  const clock = () => now;
  const traffic = new FakeTraffic(clock);
  let cfg: AutoscalerConfig = { ...DEFAULT_AUTOSCALER_CONFIG, ...config };
  const a = new Autoscaler({ clock, source: traffic, timers: false, config: () => cfg });
  const changes: string[] = [];
  a.onChange((k) => changes.push(k));
  return {
    a, traffic, changes,
    now: () => now,
    setConfig(c: Partial<AutoscalerConfig>) { cfg = { ...cfg, ...c }; },
    /** Advance whole seconds: sample every second, decide every other second. */
    advance(seconds: number) {
      for (let i = 0; i < seconds; i++) {
        now += 1000;
        a.sample();
        if ((now / 1000) % 2 === 0) a.tick();
      }
    },
  };
}

describe('Autoscaler', () => {
  it('a new revision runs initial-scale, then becomes Active when ready', () => {
    const { a } = setup();
    let s = a.track(revision(), true, 0);
    assert.equal(s.instances, 1);
    assert.equal(a.desiredScale(KEY), 1);
    assert.deepEqual([s.active.status, s.active.reason], ['Unknown', 'Queued']);
    assert.equal(s.desiredScale, undefined);
    s = a.track(revision(), true, 1);
    assert.equal(s.active.status, 'True');
    assert.equal(a.desiredScale('default/other'), undefined);
  });

  it('an idle revision goes inactive after a stable window and to zero on the next tick', () => {
    const { a, advance, changes } = setup();
    a.track(revision(), true, 1);
    advance(58);
    assert.equal(a.status(KEY)!.instances, 1);
    assert.equal(a.status(KEY)!.desiredScale, 1);
    assert.equal(a.status(KEY)!.active.status, 'True');
    advance(2);
    assert.deepEqual([a.status(KEY)!.active.status, a.status(KEY)!.active.reason, a.status(KEY)!.instances], ['False', 'NoTraffic', 1]);
    advance(2);
    assert.equal(a.desiredScale(KEY), 0);
    assert.ok(changes.length >= 2 && changes.every((k) => k === KEY));
  });

  it('steady 50 concurrent requests at target 10 → ceil(50/7) = 8 instances', () => {
    const { a, advance, traffic } = setup();
    const rev = revision({ [`${G}/target`]: '10' });
    a.track(rev, true, 1);
    traffic.inFlight = 50;
    advance(4);
    assert.equal(a.desiredScale(KEY), 8);
    assert.equal(a.status(KEY)!.panicking, true);
    a.track(rev, true, 8);
    advance(62);
    const s = a.status(KEY)!;
    assert.deepEqual([s.instances, s.panicking, s.active.status], [8, false, 'True']);
    const last = a.decisions(KEY).at(-1)!;
    assert.deepEqual([last.mode, last.stable, last.panic, last.desired], ['stable', 50, 50, 8]);
  });

  it('poke decides at once for a revision at zero', () => {
    const { a, advance, traffic, changes } = setup();
    a.track(revision(), true, 1);
    advance(62);
    a.track(revision(), true, 0);
    advance(70); // windows drain: no data
    assert.equal(a.desiredScale(KEY), 0);
    assert.equal(a.decisions(KEY).at(-1)!.valid, false);
    changes.length = 0;
    traffic.inFlight = 1;
    a.poke(KEY);
    assert.equal(a.desiredScale(KEY), 1);
    assert.deepEqual(changes, [KEY]);
    assert.deepEqual([a.status(KEY)!.active.status, a.status(KEY)!.active.reason], ['Unknown', 'Queued']);
    // A poke while instances are wanted does nothing.
    changes.length = 0;
    a.poke(KEY);
    assert.deepEqual(changes, []);
    a.track(revision(), true, 1);
    assert.equal(a.status(KEY)!.active.status, 'True');
  });

  it('a reserve revision ignores min-scale and scales to zero', () => {
    const { a, advance } = setup();
    const rev = revision({ [`${G}/min-scale`]: '2' });
    a.track(rev, true, 2);
    advance(70);
    assert.equal(a.desiredScale(KEY), 2);
    a.track(rev, false, 2);
    advance(4);
    assert.equal(a.desiredScale(KEY), 0);
  });

  it('configuration changes apply at the next tick', () => {
    const { a, advance, traffic, setConfig } = setup();
    a.track(revision(), true, 1);
    traffic.inFlight = 7;
    advance(2);
    assert.equal(a.desiredScale(KEY), 1); // 7 / 70
    setConfig({ containerConcurrencyTargetDefault: 10 }); // target 7
    advance(2);
    assert.equal(a.desiredScale(KEY), 1);
    traffic.inFlight = 14;
    advance(8);
    assert.equal(a.desiredScale(KEY), 2);
  });

  it('keeps a bounded decision history and forgets revisions', () => {
    const { a, advance } = setup();
    a.track(revision(), true, 1);
    advance(200);
    assert.equal(a.decisions(KEY).length, 60);
    assert.deepEqual(a.keys(), [KEY]);
    a.forget(KEY);
    assert.equal(a.status(KEY), undefined);
    assert.deepEqual(a.decisions(KEY), []);
  });

  it('seeds a revision that was scaled to zero by an earlier run', () => {
    const { a, now } = setup();
    const since = new Date(now() - 3_600_000).toISOString();
    const s = a.track(revision({}, {
      conditions: [{ type: 'Active', status: 'False', reason: 'NoTraffic', message: 'The target is not receiving traffic.', lastTransitionTime: since },
        { type: 'ResourcesAvailable', status: 'True' }],
    }), true, 0);
    assert.deepEqual([s.instances, s.active.status, s.active.reason, s.scaleTargetInitialized], [0, 'False', 'NoTraffic', true]);
  });

  it('close() stops decisions', () => {
    const { a, advance } = setup();
    a.track(revision(), true, 1);
    a.close();
    advance(4);
    assert.deepEqual(a.decisions(KEY), []);
  });

  it('runs its own timers when asked', async () => {
    const a = new Autoscaler({ timers: true });
    a.track(revision(), true, 1);
    a.close();
  });
});
