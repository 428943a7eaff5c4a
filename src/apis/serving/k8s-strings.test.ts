import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatGoDuration, isQualifiedName, nameIsDNS1035Label, parseGoDuration, parseGoFloat, parseGoInt } from './k8s-strings.ts';

test('Go durations', () => {
  assert.equal(parseGoDuration('1h30m'), 5400e9);
  assert.equal(parseGoDuration('1.5s'), 1.5e9);
  assert.equal(parseGoDuration('-3s'), -3e9);
  assert.equal(parseGoDuration('0'), 0);
  assert.equal(parseGoDuration('10'), undefined);
  assert.equal(parseGoDuration(''), undefined);
  assert.equal(parseGoDuration('soon'), undefined);
  assert.equal(formatGoDuration(3600e9), '1h0m0s');
  assert.equal(formatGoDuration(6e9), '6s');
});

test('Go ints and floats', () => {
  assert.deepEqual(parseGoInt('+5', 32), { ok: true, value: 5 });
  assert.deepEqual(parseGoInt('2147483648', 32), { ok: false, range: true });
  assert.deepEqual(parseGoInt('1.0', 32), { ok: false, range: false });
  assert.equal(parseGoFloat('1e2'), 100);
  assert.equal(parseGoFloat('x'), undefined);
});

test('names', () => {
  assert.deepEqual(nameIsDNS1035Label('svc-', true), []);
  assert.equal(nameIsDNS1035Label('svc-', false).length, 1);
  assert.deepEqual(isQualifiedName('my.rev-1'), []);
  assert.match(isQualifiedName('a b')[0]!, /^name part must consist of alphanumeric characters/);
});
