/**
 * kn's traffic flags: `--traffic REF=PCT`, `--tag REF=TAG`, `--untag TAG`. Each may be repeated
 * and, like cobra's StringSlice, each value may hold several comma-separated entries.
 */

/** The reference kn uses for "the latest ready revision". */
export const LATEST_REF = '@latest';

export interface TrafficFlags {
  /** `--traffic` entries: `REF=PCT` or a bare `PCT` (which means `@latest=PCT`). */
  traffic: string[];
  /** `--tag` entries: `REF=TAG`. */
  tags: string[];
  /** `--untag` entries: tag names. */
  untags: string[];
}

export class TrafficFlagError extends Error {}

/** commander collector for slice flags: `--tag a=x,b=y --tag c=z` → `['a=x', 'b=y', 'c=z']`. */
export function collectSlice(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((s) => s.trim()).filter((s) => s !== '')];
}

/** kn's splitByEqualSign: `REF=VALUE`, or a bare VALUE meaning `@latest=VALUE`; a trailing `%` is dropped. */
export function splitRef(pair: string): { ref: string; value: string } {
  const parts = pair.split('=');
  if (parts.length === 1) return { ref: LATEST_REF, value: parts[0]! };
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
    throw new TrafficFlagError(`expecting the value format in value1=value2, given ${pair}`);
  }
  return { ref: parts[0]!, value: parts[1]!.replace(/%$/, '') };
}

export function emptyTrafficFlags(): TrafficFlags {
  return { traffic: [], tags: [], untags: [] };
}

export function trafficFlagsChanged(f: TrafficFlags): boolean {
  return f.traffic.length > 0 || f.tags.length > 0 || f.untags.length > 0;
}
