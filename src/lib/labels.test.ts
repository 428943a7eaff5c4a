import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFieldSelector, parseLabelSelector, SelectorParseError } from './labels.ts';

const labels = { app: 'web', tier: 'front', 'serving.knative.dev/service': 'hello', n: '5', empty: '' };

test('label selector grammar matches like Kubernetes', () => {
  const table: [string, boolean][] = [
    ['', true],
    ['app', true],
    ['missing', false],
    ['!missing', true],
    ['!app', false],
    ['app=web', true],
    ['app==web', true],
    ['app=db', false],
    ['app!=db', true],
    ['missing!=db', true],
    ['app!=web', false],
    ['app in (web,db)', true],
    ['app in (db)', false],
    ['app notin (db, cache)', true],
    ['app notin (web)', false],
    ['missing notin (web)', true],
    ['missing in (web)', false],
    ['app=web,tier=front', true],
    ['app=web, tier=back', false],
    [' app = web , !missing ', true],
    ['serving.knative.dev/service=hello', true],
    ['empty=', true],
    ['app=', false],
    ['n>4', true],
    ['n<4', false],
    ['missing>1', false],
  ];
  for (const [sel, want] of table) {
    assert.equal(parseLabelSelector(sel).matches(labels), want, `selector ${JSON.stringify(sel)}`);
  }
  assert.equal(parseLabelSelector('app').matches(undefined), false);
  assert.equal(parseLabelSelector('!app').matches(undefined), true);
  assert.deepEqual(parseLabelSelector('a in (x, y)').requirements, [{ key: 'a', operator: 'in', values: ['x', 'y'] }]);
});

test('malformed label selectors throw with apimachinery messages', () => {
  const bad: [string, RegExp][] = [
    ['app in web', /^found 'web', expected: '\('$/],
    ['app in ()', /values set can't be empty/],
    ['app in (a', /expected: ',' or '\)'$/],
    ['app=web,', /expected: identifier after ','/],
    ['app web', /^found 'web', expected: in, notin, =, ==, !=, gt, lt$/],
    ['app=web x', /^found 'x', expected: ',' or 'end of string'$/],
    ['=web', /^found '=', expected: !, identifier, or 'end of string'$/],
    ['!', /^found '', expected: identifier$/],
    ['-bad=1', /unable to parse requirement: key: Invalid value: "-bad"/],
    ['app=-x', /unable to parse requirement: values\[0\]\[app\]: Invalid value: "-x"/],
    ['n>x', /must be an integer/],
    ['app(=x', /expected: in, notin, =, ==, !=, gt, lt/],
  ];
  for (const [sel, msg] of bad) {
    assert.throws(() => parseLabelSelector(sel), (e: unknown) => e instanceof SelectorParseError && msg.test(e.message), sel);
  }
});

test('field selectors: =, ==, !=, AND, escapes, and parse errors', () => {
  const fields: Record<string, string> = { 'metadata.name': 'a,b', 'metadata.namespace': 'default' };
  const get = (f: string) => fields[f];
  const table: [string, boolean][] = [
    ['', true],
    ['metadata.namespace=default', true],
    ['metadata.namespace==default', true],
    ['metadata.namespace!=default', false],
    ['metadata.name=a\\,b', true],
    ['metadata.name=a\\,b,metadata.namespace=other', false],
    ['metadata.uid=', true],
  ];
  for (const [sel, want] of table) assert.equal(parseFieldSelector(sel).matches(get), want, sel);
  assert.deepEqual(parseFieldSelector('a!=b').requirements, [{ field: 'a', operator: '!=', value: 'b' }]);
  assert.throws(() => parseFieldSelector('metadata.name'), /^SelectorParseError: invalid selector: 'metadata.name'; can't understand 'metadata.name'$/);
});
