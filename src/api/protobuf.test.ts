import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../lib/errors.ts';
import { decodeProtobufObject } from './protobuf.ts';

// Minimal encoder for length-delimited fields, enough to build what kubectl sends.
function field(no: number, value: string | Buffer): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value) : value;
  return Buffer.concat([Buffer.from([(no << 3) | 2, bytes.length]), bytes]);
}
const msg = (...parts: Buffer[]) => Buffer.concat(parts);
const envelope = (kind: string, raw: Buffer) =>
  msg(Buffer.from('k8s\0', 'binary'), field(1, msg(field(1, 'v1'), field(2, kind))), field(2, raw), field(3, ''), field(4, ''));

test('decodes a Namespace as kubectl create namespace sends it', () => {
  const meta = msg(
    field(1, 'team-a'),
    field(11, msg(field(1, 'env'), field(2, 'dev'))),
    field(11, msg(field(1, 'tier'), field(2, 'web'))),
    field(12, msg(field(1, 'note'), field(2, 'hi'))),
  );
  const ns = decodeProtobufObject(envelope('Namespace', msg(field(1, meta), field(2, msg(field(1, 'kubernetes'))), field(3, ''))));
  assert.deepEqual(ns, {
    apiVersion: 'v1', kind: 'Namespace',
    metadata: { name: 'team-a', labels: { env: 'dev', tier: 'web' }, annotations: { note: 'hi' } },
    spec: { finalizers: ['kubernetes'] },
  });
});

test('other kinds answer 415, garbage 400', () => {
  assert.throws(() => decodeProtobufObject(envelope('Pod', msg(field(1, field(1, 'p'))))),
    (e: unknown) => ApiError.isApiError(e) && e.code === 415);
  assert.throws(() => decodeProtobufObject(Buffer.from('{"kind":"Namespace"}')),
    (e: unknown) => ApiError.isApiError(e) && e.code === 400);
  assert.throws(() => decodeProtobufObject(Buffer.concat([Buffer.from('k8s\0', 'binary'), Buffer.from([0x12, 0x50, 0x01])])),
    (e: unknown) => ApiError.isApiError(e) && e.code === 400);
});
