import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FieldError, Level, also, errDisallowedFields, errInvalidValue, errMissingField, errMultipleOneOf,
  errOutOfBoundsValue, errInvalidKeyName, CURRENT_FIELD,
} from './field-error.ts';

test('single error renders "<message>: <path>"', () => {
  assert.equal(errMissingField('image').viaFieldIndex('containers', 0).viaField('spec').text,
    'missing field(s): spec.containers[0].image');
});

test('details go on the next line', () => {
  assert.equal(errInvalidValue('foo', 'port', 'Probe port must match container port').text,
    'invalid value: foo: port\nProbe port must match container port');
});

test('errors with the same message merge their paths, sorted; messages sorted; newline-joined', () => {
  const e = also(undefined, errDisallowedFields('tty'), errMissingField('image'), errDisallowedFields('lifecycle'))!;
  assert.equal(e.viaField('c').text, 'missing field(s): c.image\nmust not set the field(s): c.lifecycle, c.tty');
});

test('viaIndex glues to the previous field, nested indexes too', () => {
  assert.equal(errMissingField('bar').viaIndex(0).viaIndex(1).viaField('foo').text, 'missing field(s): foo[1][0].bar');
});

test('CURRENT_FIELD paths take the prefix only', () => {
  assert.equal(errOutOfBoundsValue(1001, 0, 1000, CURRENT_FIELD).viaField('containerConcurrency').viaField('spec').text,
    'expected 0 <= 1001 <= 1000: spec.containerConcurrency');
});

test('viaKey keeps dotted keys in brackets like Go does', () => {
  assert.equal(errInvalidValue('x', CURRENT_FIELD).viaKey('a.b/c').viaField('annotations').text,
    'invalid value: x: annotations.[a.b/c]');
});

test('invalid key name quotes the key', () => {
  assert.equal(errInvalidKeyName('k', 'f').text, 'invalid key name "k": f');
});

test('also() with only empty errors stays undefined', () => {
  assert.equal(also(undefined, undefined, null), undefined);
  assert.equal(also(undefined, new FieldError('')), undefined);
});

test('filter splits warnings from errors; at() changes level', () => {
  const e = also(errMissingField('a'), errMultipleOneOf('b', 'c').at(Level.Warning))!;
  assert.equal(e.filter(Level.Error)!.text, 'missing field(s): a');
  assert.equal(e.filter(Level.Warning)!.text, 'expected exactly one, got both: b, c');
  assert.equal(errMissingField('a').filter(Level.Warning), undefined);
});

test('duplicate paths of one merged error appear once', () => {
  const e = also(errDisallowedFields('url'), errDisallowedFields('url'))!;
  assert.equal(e.text, 'must not set the field(s): url');
  assert.equal(e.wrappedErrors().length, 1);
});

test('an error with no paths prints a trailing ": "', () => {
  assert.equal(new FieldError('multi-container is off, but found 2 containers').text, 'multi-container is off, but found 2 containers: ');
});
