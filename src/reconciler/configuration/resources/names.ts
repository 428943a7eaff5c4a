import { createHash } from 'node:crypto';

const LONGEST = 63;
const MD5_LEN = 32;
const HEAD = LONGEST - MD5_LEN;

function md5hex(s: string): string {
  return createHash('md5').update(s).digest('hex');
}

/** Drop trailing non-alphanumerics left by truncation. */
function makeValidName(n: string): string {
  while (n.length > 0 && !/[a-zA-Z0-9]/.test(n[n.length - 1]!)) n = n.slice(0, -1);
  return n;
}

/**
 * kmeta.ChildName: parent + suffix, kept within 63 characters by replacing the tail of the parent
 * with the md5 of the parent (or, for very long suffixes, of parent + suffix).
 */
export function childName(parent: string, suffix: string): string {
  let n = parent;
  if (parent.length > LONGEST - suffix.length) {
    if (HEAD - suffix.length <= 0) {
      const h = md5hex(parent + suffix);
      const p = HEAD < parent.length ? parent.slice(0, HEAD) : parent;
      let ret = p + h;
      const d = LONGEST - ret.length;
      if (d > 0) ret += suffix.slice(0, d);
      return makeValidName(ret);
    }
    n = parent.slice(0, HEAD - suffix.length) + md5hex(parent);
  }
  return n + suffix;
}

/** `{config}-{generation padded to 5}`, Knative's generated revision name. */
export function revisionName(configName: string, generation: number): string {
  return childName(configName, '-' + String(generation).padStart(5, '0'));
}
