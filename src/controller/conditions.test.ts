import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { livingConditionSet } from './conditions.ts';

const set = livingConditionSet('ResourcesAvailable', 'ContainerHealthy');
function clock(start = Date.parse('2024-01-01T00:00:00Z')) {
  let t = start;
  return { now: () => new Date(t), tick: () => { t += 1000; } };
}
const view = (s: any) => s.conditions.map((c: any) => [c.type, c.status, c.reason ?? '', c.severity ?? '']);

describe('LivingConditionSet', () => {
  it('initialises happy and dependents Unknown, sorted by type', () => {
    const s: any = {};
    set.manage(s).initialize();
    assert.deepEqual(view(s), [['ContainerHealthy', 'Unknown', '', ''], ['Ready', 'Unknown', '', ''], ['ResourcesAvailable', 'Unknown', '', '']]);
  });

  const cases: { name: string; ops: (m: any) => void; ready: [string, string, string] }[] = [
    { name: 'all dependents True -> Ready True', ops: (m) => { m.markTrue('ResourcesAvailable'); m.markTrue('ContainerHealthy'); }, ready: ['True', '', ''] },
    { name: 'one Unknown -> Ready Unknown with its reason', ops: (m) => { m.markTrue('ResourcesAvailable'); m.markUnknown('ContainerHealthy', 'Deploying', 'x'); }, ready: ['Unknown', 'Deploying', 'x'] },
    { name: 'False beats Unknown', ops: (m) => { m.markFalse('ContainerHealthy', 'ExitCode1', 'boom'); m.markUnknown('ResourcesAvailable', 'Deploying', ''); }, ready: ['False', 'ExitCode1', 'boom'] },
    { name: 'markTrue after failure keeps Ready False', ops: (m) => { m.markFalse('ContainerHealthy', 'ExitCode1', 'boom'); m.markTrue('ResourcesAvailable'); }, ready: ['False', 'ExitCode1', 'boom'] },
    { name: 'non-dependent condition does not affect an unhappy Ready', ops: (m) => { m.markFalse('Active', 'NoTraffic', 'n'); }, ready: ['Unknown', '', ''] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s: any = {};
      const cl = clock();
      const m = set.manage(s, cl.now);
      m.initialize();
      c.ops({ markTrue: (t: string) => { cl.tick(); m.markTrue(t); }, markFalse: (t: string, r: string, msg: string) => { cl.tick(); m.markFalse(t, r, msg); }, markUnknown: (t: string, r: string, msg: string) => { cl.tick(); m.markUnknown(t, r, msg); } });
      const r = m.get('Ready')!;
      assert.deepEqual([r.status, r.reason ?? '', r.message ?? ''], c.ready);
    });
  }

  it('non-terminal conditions get severity Info', () => {
    const s: any = {};
    const m = set.manage(s);
    m.initialize();
    m.markFalse('Active', 'NoTraffic', 'The target is not receiving traffic.');
    assert.equal(m.get('Active')!.severity, 'Info');
    assert.equal(m.get('Ready')!.severity, undefined);
  });

  it('lastTransitionTime changes only when the condition changes', () => {
    const s: any = {};
    const cl = clock();
    const m = set.manage(s, cl.now);
    m.initialize();
    m.markTrue('ResourcesAvailable');
    const t1 = m.get('ResourcesAvailable')!.lastTransitionTime;
    assert.equal(t1, '2024-01-01T00:00:00Z');
    cl.tick();
    m.markTrue('ResourcesAvailable');
    assert.equal(m.get('ResourcesAvailable')!.lastTransitionTime, t1);
    m.markFalse('ResourcesAvailable', 'X', 'y');
    assert.equal(m.get('ResourcesAvailable')!.lastTransitionTime, '2024-01-01T00:00:01Z');
  });
});
