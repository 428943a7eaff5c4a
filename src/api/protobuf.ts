/**
 * kubectl sends core (group '') objects as Kubernetes protobuf (`application/vnd.kubernetes.protobuf`),
 * e.g. `kubectl create namespace`. This decodes just enough of that wire format for the core kinds
 * ksrv serves to accept from clients: a Namespace's metadata (name, generateName, labels,
 * annotations, resourceVersion, finalizers) and spec.finalizers. Responses stay JSON, which
 * kubectl accepts.
 */

import type { KObject, ObjectMeta } from '../apis/meta.ts';
import { ApiError, errors } from '../lib/errors.ts';

export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]); // "k8s\0"

interface Field {
  no: number;
  /** Set for length-delimited fields. */
  bytes?: Buffer;
  /** Set for varint fields. */
  varint?: number;
}

function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let mul = 1;
    for (;;) {
      if (pos >= buf.length) throw new Error('truncated varint');
      const b = buf[pos++]!;
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return result;
      mul *= 128;
    }
  };
  while (pos < buf.length) {
    const key = varint();
    const no = Math.floor(key / 8);
    switch (key & 7) {
      case 0: out.push({ no, varint: varint() }); break;
      case 1: pos += 8; break;
      case 2: {
        const len = varint();
        if (pos + len > buf.length) throw new Error('truncated field');
        out.push({ no, bytes: buf.subarray(pos, pos + len) });
        pos += len;
        break;
      }
      case 5: pos += 4; break;
      default: throw new Error(`unsupported wire type ${key & 7}`);
    }
  }
  return out;
}

const str = (f: Field) => f.bytes?.toString('utf8') ?? '';

function mapEntry(f: Field): [string, string] {
  let k = '';
  let v = '';
  for (const e of fields(f.bytes ?? Buffer.alloc(0))) {
    if (e.no === 1) k = str(e);
    else if (e.no === 2) v = str(e);
  }
  return [k, v];
}

function objectMeta(buf: Buffer): ObjectMeta {
  const meta: ObjectMeta = {};
  for (const f of fields(buf)) {
    switch (f.no) {
      case 1: meta.name = str(f); break;
      case 2: meta.generateName = str(f); break;
      case 3: meta.namespace = str(f); break;
      case 6: meta.resourceVersion = str(f); break;
      case 11: (meta.labels ??= {})[mapEntry(f)[0]] = mapEntry(f)[1]; break;
      case 12: (meta.annotations ??= {})[mapEntry(f)[0]] = mapEntry(f)[1]; break;
      case 14: (meta.finalizers ??= []).push(str(f)); break;
    }
  }
  return meta;
}

/** Decodes a protobuf-encoded Namespace; other kinds answer 415. */
export function decodeProtobufObject(body: Buffer): KObject {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw errors.badRequest('invalid protobuf body: missing the k8s envelope');
  try {
    let apiVersion = '';
    let kind = '';
    let raw: Buffer = Buffer.alloc(0);
    for (const f of fields(body.subarray(4))) {
      if (f.no === 1 && f.bytes) {
        for (const t of fields(f.bytes)) {
          if (t.no === 1) apiVersion = str(t);
          else if (t.no === 2) kind = str(t);
        }
      } else if (f.no === 2 && f.bytes) {
        raw = f.bytes;
      }
    }
    if (kind !== 'Namespace') {
      throw errors.unsupportedMediaType(`the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`);
    }
    const obj: KObject = { apiVersion: apiVersion || 'v1', kind, metadata: {} };
    for (const f of fields(raw)) {
      if (f.no === 1 && f.bytes) obj.metadata = objectMeta(f.bytes);
      else if (f.no === 2 && f.bytes) {
        const finalizers = fields(f.bytes).filter((x) => x.no === 1).map(str);
        obj.spec = finalizers.length ? { finalizers } : {};
      }
    }
    return obj;
  } catch (e) {
    if (ApiError.isApiError(e)) throw e;
    throw errors.badRequest(`invalid protobuf body: ${(e as Error).message}`);
  }
}
