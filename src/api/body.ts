/**
 * Reading and decoding request bodies: a size limit (413), JSON, and YAML for
 * application/yaml and apply-patch+yaml.
 */

import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { ApiError, errors } from '../lib/errors.ts';

export const MAX_BODY_BYTES = 3 * 1024 * 1024;

function tooLarge(): ApiError {
  return new ApiError(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728');
}

export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.resume();
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

/** Decodes a body as JSON, or as YAML when `yaml` is set; empty → undefined. */
export function decodeBody(buf: Buffer, yaml: boolean): unknown {
  const text = buf.toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return yaml ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    throw errors.badRequest(`error decoding request body: ${(e as Error).message.split('\n')[0]}`);
  }
}

export function isPlainObject(x: unknown): x is Record<string, any> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
