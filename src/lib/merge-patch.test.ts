import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyMergePatch } from './merge-patch.ts';

test('RFC 7386 appendix A examples', () => {
  const cases: [unknown, unknown, unknown][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  for (const [target, patch, want] of cases) {
    assert.deepEqual(applyMergePatch(target, patch), want, JSON.stringify({ target, patch }));
  }
});

test('does not mutate its inputs or share structure with them', () => {
  const target = { spec: { containers: [{ image: 'a' }], keep: { x: 1 } } };
  const patch = { spec: { containers: [{ image: 'b' }] } };
  const out = applyMergePatch(target, patch) as any;
  assert.deepEqual(target, { spec: { containers: [{ image: 'a' }], keep: { x: 1 } } });
  out.spec.keep.x = 2;
  out.spec.containers[0].image = 'c';
  assert.equal(target.spec.keep.x, 1);
  assert.equal(patch.spec.containers[0]!.image, 'b');
});
