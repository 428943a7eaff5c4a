/**
 * Writing responses: JSON bodies, Status errors and `Warning: 299` headers; and presenting stored
 * objects in the version the request URL names.
 */

import type { ServerResponse } from 'node:http';
import type { KObject } from '../apis/meta.ts';
import { SERVING_GROUP, apiVersionOf, type ResourceType } from '../apis/resources.ts';
import { fromStorageVersion } from '../apis/serving/conversion.ts';
import { ApiError } from '../lib/errors.ts';

export const JSON_CONTENT_TYPE = 'application/json';

/** RFC 7234 warning value as the apiserver writes it; header values must stay printable ASCII. */
export function warningHeaderValue(text: string): string {
  const clean = text.replace(/[^\x20-\x7e]/g, '?').replace(/["\\]/g, (c) => `\\${c}`);
  return `299 - "${clean}"`;
}

export function sendJson(res: ServerResponse, code: number, body: unknown, opts: { contentType?: string; warnings?: string[] } = {}): void {
  const payload = JSON.stringify(body);
  const headers: Record<string, string | string[] | number> = {
    'Content-Type': opts.contentType ?? JSON_CONTENT_TYPE,
    'Content-Length': Buffer.byteLength(payload),
  };
  if (opts.warnings?.length) headers.Warning = opts.warnings.map(warningHeaderValue);
  res.writeHead(code, headers);
  res.end(payload);
}

export function sendStatus(res: ServerResponse, err: ApiError, warnings?: string[]): void {
  sendJson(res, err.code, err.toStatus(), { warnings });
}

export function sendText(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * The object as the client should see it: converted to the URL's version (serving kinds only)
 * and carrying apiVersion and kind.
 */
export function present(type: ResourceType, obj: KObject, version: string): KObject {
  const apiVersion = apiVersionOf(type, version);
  if (obj.apiVersion === apiVersion && obj.kind === type.kind) return obj;
  if (type.group === SERVING_GROUP && version !== type.storageVersion) {
    const converted = fromStorageVersion(type, obj, version);
    return converted.kind ? converted : { ...converted, kind: type.kind };
  }
  return { ...obj, apiVersion, kind: type.kind };
}
