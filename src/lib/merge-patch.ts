/**
 * JSON Merge Patch (RFC 7386): objects merge recursively, `null` deletes a member, anything else
 * (arrays included) replaces the target value whole. Never mutates its arguments.
 */

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function copy<T>(x: T): T {
  return x === undefined ? x : JSON.parse(JSON.stringify(x));
}

export function applyMergePatch(target: unknown, patch: unknown): unknown {
  return mergeInto(copy(target), patch);
}

/** `target` is already a private copy, so it is modified in place. */
function mergeInto(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return copy(patch);
  const result: Record<string, unknown> = isObject(target) ? target : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergeInto(result[key], value);
  }
  return result;
}
