/**
 * Reading config-file values the way Knative reads ConfigMap data: every value is text (a YAML
 * number or boolean counts as the text it was written as), parsed with Go's rules, and a bad
 * value is reported with the error text Go's strconv/time packages would give.
 */
import { parseGoDuration } from '../apis/serving/k8s-strings.ts';

/** The value at `key` as ConfigMap text; undefined when the key is absent or null. */
export function configText(raw: Record<string, unknown>, key: string): string | undefined {
  const v = raw[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  throw new Error(`${key}: expected a string or a number`);
}

export type GoParse<T> = { ok: true; value: T } | { ok: false; error: string };

const quote = (s: string) => JSON.stringify(s);

/** strconv.ParseInt(s, 10, 64). */
export function goParseInt(s: string): GoParse<number> {
  if (!/^[-+]?\d+$/.test(s)) return { ok: false, error: `strconv.ParseInt: parsing ${quote(s)}: invalid syntax` };
  const v = BigInt(s);
  if (v > 2n ** 63n - 1n || v < -(2n ** 63n)) return { ok: false, error: `strconv.ParseInt: parsing ${quote(s)}: value out of range` };
  return { ok: true, value: Number(v) };
}

/** strconv.ParseUint(s, 10, 64). */
export function goParseUint(s: string): GoParse<number> {
  if (!/^\+?\d+$/.test(s) || s.startsWith('+')) return { ok: false, error: `strconv.ParseUint: parsing ${quote(s)}: invalid syntax` };
  if (BigInt(s) > 2n ** 64n - 1n) return { ok: false, error: `strconv.ParseUint: parsing ${quote(s)}: value out of range` };
  return { ok: true, value: Number(s) };
}

const DURATION_UNITS = new Set(['ns', 'us', 'µs', 'μs', 'ms', 's', 'm', 'h']);

/** time.ParseDuration, in milliseconds. */
export function goParseDurationMs(s: string): GoParse<number> {
  const ns = parseGoDuration(s);
  if (ns !== undefined) return { ok: true, value: ns / 1e6 };
  // Find the component Go would stop at, for its message.
  let rest = s.replace(/^[-+]/, '');
  while (rest !== '') {
    const m = /^(\d*(?:\.\d*)?)([^\d.]*)/.exec(rest)!;
    if (m[1] === '' || m[1] === '.') break;
    if (m[2] === '') return { ok: false, error: `time: missing unit in duration ${quote(s)}` };
    if (!DURATION_UNITS.has(m[2]!)) return { ok: false, error: `time: unknown unit ${quote(m[2]!)} in duration ${quote(s)}` };
    rest = rest.slice(m[0].length);
  }
  return { ok: false, error: `time: invalid duration ${quote(s)}` };
}
