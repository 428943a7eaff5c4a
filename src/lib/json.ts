/** Structural helpers for plain JSON objects (the only shapes controllers handle). */

/** Copies plain JSON data (JSON round trip: faster than structuredClone for these shapes). */
export function deepClone<T>(x: T): T {
  return x === undefined ? x : JSON.parse(JSON.stringify(x));
}

/**
 * JSON semantic equality: key order does not matter and a key holding `undefined` equals an absent
 * key (as after a JSON round trip through the API server).
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], bb[i])) return false;
    return true;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  if (ak.length !== bk.length) return false;
  for (const k of ak) if (!deepEqual(ao[k], bo[k])) return false;
  return true;
}

/** Labels/annotations maps: absent and empty are the same thing. */
export function mapsEqual(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  return deepEqual(a ?? {}, b ?? {});
}
