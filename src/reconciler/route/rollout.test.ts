import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildRollout, isRolloutDone, observeReady, parseRollout, serializeRollout, stepRollout, type ConfigurationRollout, type Rollout,
} from './rollout.ts';
import type { RevisionTarget } from './traffic.ts';

const T0 = Date.parse('2024-06-01T00:00:00Z');
const S = 1000;

const cfg = (name: string, percent: number, revs: [string, number][], stepParams: ConfigurationRollout['stepParams'] = {}, tag?: string): ConfigurationRollout => ({
  configurationName: name, ...(tag ? { tag } : {}), percent, revisions: revs.map(([revisionName, p]) => ({ revisionName, percent: p })), stepParams,
});
const ro = (...configurations: ConfigurationRollout[]): Rollout => ({ configurations });
const split = (r: Rollout, tag = '', name = 'c') => r.configurations!.find((c) => (c.tag ?? '') === tag && c.configurationName === name)!.revisions!.map((x) => `${x.revisionName}:${x.percent}`).join(' ');

/**
 * Drives one configuration from `old` to `new` the way the route reconciler does: the rollout
 * starts at T0, the split is programmed `readyAfterSecs` later, then every step runs exactly when
 * due. Returns the new revision's percent after each reconcile and the step parameters.
 */
function rollOut(durationSecs: number, readyAfterSecs: number, percent = 100) {
  let state = stepRollout(ro(cfg('c', percent, [['new', percent]])), ro(cfg('c', percent, [['old', percent]])), T0).rollout;
  const seen = [state.configurations![0]!.revisions!.at(-1)!.percent];
  observeReady(state, T0 + readyAfterSecs * S, durationSecs);
  const params = { ...state.configurations![0]!.stepParams };
  let now = params.nextStepTime!;
  const times: number[] = [];
  while (!isRolloutDone(state) && seen.length < 1000) {
    const r = stepRollout(ro(cfg('c', percent, [['new', percent]])), state, now);
    state = r.rollout;
    seen.push(state.configurations![0]!.revisions!.at(-1)!.percent);
    times.push((now - T0) / S);
    now = r.nextStepTime;
  }
  return { seen, params, times, final: state };
}

describe('gradual rollout: Knative\'s documented examples', () => {
  it('4 planned steps move 1 -> 26 -> 51 -> 76 -> 100', () => {
    // 5 s rollout, split ready within 1 s: 4 s left in 1 s steps, round(99 / 4) = 25 per step.
    const r = rollOut(5, 0.2);
    assert.deepEqual(r.seen, [1, 26, 51, 76, 100]);
    assert.equal(r.params.stepSize, 25);
    assert.equal(r.params.stepDuration, 1000);
    assert.deepEqual(r.times, [1.2, 2.2, 3.2, 4.2]);
    assert.deepEqual(r.final, ro(cfg('c', 100, [['new', 100]])));
  });

  it('240 s with the split ready 3 s after the start: 1 % every 3 s', () => {
    const r = rollOut(240, 3);
    assert.equal(r.params.stepSize, 1);
    assert.equal(r.params.stepDuration, 3000);
    assert.equal(r.params.nextStepTime, T0 + 6 * S);
    assert.equal(r.params.starttime, T0);
    // Knative keeps stepping 1 % until the old revision is gone: 99 steps, the last at 3 + 99 * 3 s.
    assert.equal(r.seen.length, 100);
    assert.deepEqual(r.seen.slice(0, 4), [1, 2, 3, 4]);
    assert.equal(r.times.at(-1), 300);
  });

  const observe: [string, number, number, number, { stepDuration: number; stepSize: number }][] = [
    // [name, percent, seconds since start, duration, expected]
    ['under a second counts as one second', 100, 0.002, 120, { stepDuration: Math.trunc(119_000 / 99), stepSize: 1 }],
    ['2.4 s rounds up to 3 s steps', 100, 2.4, 120, { stepDuration: 3000, stepSize: 3 }],
    ['step size rounds to nearest', 75, 2.4, 120, { stepDuration: 3000, stepSize: 2 }],
    ['percent below 100', 50, 2.4, 120, { stepDuration: 3000, stepSize: 1 }],
    ['the first 1 % took longer than the whole rollout: one last step', 13, 500, 120, { stepDuration: 1000, stepSize: 12 }],
    ['fewer whole percents than possible steps', 10, 1, 600, { stepDuration: Math.trunc(599_000 / 9), stepSize: 1 }],
  ];
  for (const [name, percent, since, duration, want] of observe) {
    it(`observeReady: ${name}`, () => {
      const r = ro(cfg('c', percent, [['old', percent - 1], ['new', 1]], { starttime: T0 }));
      const now = T0 + since * S;
      observeReady(r, now, duration);
      assert.deepEqual(r.configurations![0]!.stepParams, { starttime: T0, ...want, nextStepTime: Math.trunc(now + want.stepDuration) });
    });
  }

  it('observeReady leaves timed and not-started rollouts alone', () => {
    const r = ro(cfg('a', 100, [['x', 100]], { stepDuration: 11 }), cfg('b', 100, [['y', 100]]));
    const before = structuredClone(r);
    observeReady(r, T0, 120);
    assert.deepEqual(r, before);
  });
});

describe('gradual rollout: stepping', () => {
  interface Case { name: string; cur: Rollout; prev?: Rollout; now: number; want: Rollout; next: number }
  const cases: Case[] = [
    { name: 'no previous state: the goal as is', cur: ro(cfg('c', 100, [['b', 100]])), now: T0, want: ro(cfg('c', 100, [['b', 100]])), next: 0 },
    { name: 'empty previous state', cur: ro(cfg('c', 100, [['b', 100]])), prev: ro(), now: T0, want: ro(cfg('c', 100, [['b', 100]])), next: 0 },
    { name: 'same revision: steady', cur: ro(cfg('c', 100, [['a', 100]])), prev: ro(cfg('c', 100, [['a', 100]])), now: T0, want: ro(cfg('c', 100, [['a', 100]])), next: 0 },
    { name: 'new revision starts at 1 %', cur: ro(cfg('c', 100, [['b', 100]])), prev: ro(cfg('c', 100, [['a', 100]])), now: T0,
      want: ro(cfg('c', 100, [['a', 99], ['b', 1]], { starttime: T0 })), next: 0 },
    { name: 'not yet timed: no step', cur: ro(cfg('c', 100, [['b', 100]])), prev: ro(cfg('c', 100, [['a', 99], ['b', 1]], { starttime: T0 })), now: T0 + 50 * S,
      want: ro(cfg('c', 100, [['a', 99], ['b', 1]], { starttime: T0 })), next: 0 },
    { name: 'too soon: no step, next time reported',
      cur: ro(cfg('c', 100, [['b', 100]])), prev: ro(cfg('c', 100, [['a', 90], ['b', 10]], { starttime: T0, stepSize: 10, stepDuration: 5 * S, nextStepTime: T0 + 20 * S })), now: T0 + 19 * S,
      want: ro(cfg('c', 100, [['a', 90], ['b', 10]], { starttime: T0, stepSize: 10, stepDuration: 5 * S, nextStepTime: T0 + 20 * S })), next: T0 + 20 * S },
    { name: 'due: one step, from the second-newest first, dropping drained ones',
      cur: ro(cfg('c', 90, [['d', 90]])), prev: ro(cfg('c', 90, [['a', 22], ['b', 5], ['c', 3], ['d', 60]], { stepSize: 10, stepDuration: 55, nextStepTime: T0 })), now: T0 + 4,
      want: ro(cfg('c', 90, [['a', 20], ['d', 70]], { stepSize: 10, stepDuration: 55, nextStepTime: T0 + 59 })), next: T0 + 59 },
    { name: 'the last step clears the parameters',
      cur: ro(cfg('c', 15, [['d', 15]])), prev: ro(cfg('c', 15, [['a', 5], ['b', 1], ['c', 1], ['d', 8]], { starttime: 1, stepSize: 8, stepDuration: 77, nextStepTime: T0 })), now: T0 + 22,
      want: ro(cfg('c', 15, [['d', 15]])), next: 0 },
    { name: 'a new revision mid-rollout starts from the newest with traffic',
      cur: ro(cfg('c', 100, [['c', 100]])), prev: ro(cfg('c', 100, [['a', 60], ['b', 40]], { starttime: 1, stepSize: 10, stepDuration: 5, nextStepTime: T0 + 99 })), now: T0,
      want: ro(cfg('c', 100, [['a', 60], ['b', 39], ['c', 1]], { starttime: T0 })), next: 0 },
    { name: 'a new revision while the previous one has only 1 %: it is replaced',
      cur: ro(cfg('c', 100, [['c', 100]])), prev: ro(cfg('c', 100, [['a', 99], ['b', 1]], { starttime: 1 })), now: T0,
      want: ro(cfg('c', 100, [['a', 99], ['c', 1]], { starttime: T0 })), next: 0 },
    { name: 'total goes down mid-rollout: taken from the oldest',
      cur: ro(cfg('c', 50, [['c', 50]])), prev: ro(cfg('c', 75, [['a', 30], ['b', 20], ['c', 25]], { stepSize: 5, stepDuration: 5, nextStepTime: T0 + 5 })), now: T0,
      want: ro(cfg('c', 50, [['a', 5], ['b', 20], ['c', 25]], { stepSize: 5, stepDuration: 5, nextStepTime: T0 + 5 })), next: T0 + 5 },
    { name: 'total goes up mid-rollout: given to the newest',
      cur: ro(cfg('c', 80, [['b', 80]])), prev: ro(cfg('c', 50, [['a', 30], ['b', 20]], { stepSize: 5, stepDuration: 5, nextStepTime: T0 + 5 })), now: T0,
      want: ro(cfg('c', 80, [['a', 30], ['b', 50]], { stepSize: 5, stepDuration: 5, nextStepTime: T0 + 5 })), next: T0 + 5 },
    { name: 'a step larger than what is left is capped at the total',
      cur: ro(cfg('c', 15, [['b', 15]])), prev: ro(cfg('c', 15, [['a', 5], ['b', 10]], { stepSize: 10, stepDuration: 5, nextStepTime: T0 })), now: T0,
      want: ro(cfg('c', 15, [['b', 15]])), next: 0 },
    { name: 'a 1 % configuration does not roll',
      cur: ro(cfg('c', 1, [['b', 1]])), prev: ro(cfg('c', 1, [['a', 1]])), now: T0, want: ro(cfg('c', 1, [['b', 1]])), next: 0 },
    { name: 'a new tag gets its revision at once',
      cur: ro(cfg('c', 100, [['a', 100]]), cfg('c', 100, [['b', 100]], {}, 'canary')), prev: ro(cfg('c', 100, [['a', 100]])), now: T0,
      want: ro(cfg('c', 100, [['a', 100]]), cfg('c', 100, [['b', 100]], {}, 'canary')), next: 0 },
    { name: 'a tagged configuration rolls like the default one',
      cur: ro(cfg('c', 100, [['b', 100]]), cfg('c', 100, [['b', 100]], {}, 'latest')), prev: ro(cfg('c', 100, [['a', 100]]), cfg('c', 100, [['a', 100]], {}, 'latest')), now: T0,
      want: ro(cfg('c', 100, [['a', 99], ['b', 1]], { starttime: T0 }), cfg('c', 100, [['a', 99], ['b', 1]], { starttime: T0 }, 'latest')), next: 0 },
    { name: 'a/b configurations roll independently; the earliest next step is reported',
      cur: ro(cfg('a', 50, [['a2', 50]]), cfg('b', 50, [['b1', 50]])),
      prev: ro(cfg('a', 50, [['a1', 50]]), cfg('b', 50, [['b0', 40], ['b1', 10]], { stepSize: 10, stepDuration: 7, nextStepTime: T0 + 3 })), now: T0,
      want: ro(cfg('a', 50, [['a1', 49], ['a2', 1]], { starttime: T0 }), cfg('b', 50, [['b0', 40], ['b1', 10]], { stepSize: 10, stepDuration: 7, nextStepTime: T0 + 3 })), next: T0 + 3 },
    { name: 'a new configuration joins without rolling; a removed one is dropped',
      cur: ro(cfg('a', 60, [['a1', 60]]), cfg('n', 40, [['n1', 40]])), prev: ro(cfg('a', 60, [['a1', 60]]), cfg('z', 40, [['z1', 40]])), now: T0,
      want: ro(cfg('a', 60, [['a1', 60]]), cfg('n', 40, [['n1', 40]])), next: 0 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const prevCopy = structuredClone(c.prev);
      const got = stepRollout(c.cur, c.prev, c.now);
      assert.deepEqual(got.rollout, c.want);
      assert.equal(got.nextStepTime, c.next);
      assert.deepEqual(c.prev, prevCopy, 'the previous state is not modified');
    });
  }
});

describe('gradual rollout: state', () => {
  const target = (revisionName: string, percent: number, configurationName?: string, latestRevision = true): RevisionTarget =>
    ({ revisionName, percent, configurationName, latestRevision });

  it('builds the steady state from latest-revision targets with traffic', () => {
    const groups = new Map<string, RevisionTarget[]>([
      ['', [target('a1', 70, 'a'), target('pinned', 30, 'a', false)]],
      ['latest', [target('a1', 100, 'a')]],
      ['zero', [target('b1', 0, 'b')]],
    ]);
    assert.deepEqual(buildRollout(groups), ro(cfg('a', 70, [['a1', 70]]), cfg('a', 100, [['a1', 100]], {}, 'latest')));
  });

  const valid = JSON.stringify(ro(cfg('c', 100, [['a', 60], ['b', 40]], { stepSize: 10 })));
  const invalid: [string, string | undefined][] = [
    ['absent', undefined], ['not JSON', '{'], ['not an object', '[]'],
    ['over 100 %', JSON.stringify(ro(cfg('c', 101, [['a', 101]])))],
    ['revisions do not add up', JSON.stringify(ro(cfg('c', 100, [['a', 60], ['b', 30]])))],
    ['step larger than the total', JSON.stringify(ro(cfg('c', 10, [['a', 10]], { stepSize: 11 })))],
    ['negative step', JSON.stringify(ro(cfg('c', 10, [['a', 10]], { stepSize: -1 })))],
  ];
  for (const [name, text] of invalid) it(`discards a stored state: ${name}`, () => assert.equal(parseRollout(text), undefined));
  it('reads a valid stored state', () => assert.deepEqual(parseRollout(valid), JSON.parse(valid)));
  it('serialises in a fixed shape that reads back', () => {
    const a: Rollout = { configurations: [{ stepParams: { stepSize: 5, starttime: 7 }, revisions: [{ percent: 100, revisionName: 'x' }], percent: 100, tag: 't', configurationName: 'c' }] };
    const b = ro(cfg('c', 100, [['x', 100]], { starttime: 7, stepSize: 5, nextStepTime: 0 }, 't'));
    assert.equal(serializeRollout(a), serializeRollout(b));
    assert.equal(serializeRollout(a), '{"configurations":[{"configurationName":"c","tag":"t","percent":100,"revisions":[{"revisionName":"x","percent":100}],"stepParams":{"starttime":7,"stepSize":5}}]}');
    assert.deepEqual(parseRollout(serializeRollout(a)), a);
    assert.equal(serializeRollout(ro()), '{}');
  });
  it('done unless some configuration has two revisions', () => {
    assert.equal(isRolloutDone(ro()), true);
    assert.equal(isRolloutDone(ro(cfg('c', 100, [['a', 100]]))), true);
    assert.equal(isRolloutDone(ro(cfg('c', 100, [['a', 99], ['b', 1]]))), false);
    assert.equal(split(ro(cfg('c', 100, [['a', 99], ['b', 1]]))), 'a:99 b:1');
  });
});
