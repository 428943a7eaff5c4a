/**
 * The `gc` section (Knative's config-gc, pkg/gc/config.go): when non-active revisions of a
 * Configuration are deleted. Durations and the maximum accept "disabled"; messages are Knative's.
 */
import { configText, goParseDurationMs, goParseInt, goParseUint } from './go-values.ts';

export interface GcConfig {
  /** A revision younger than this (ms) is kept; null = disabled (age never protects). */
  retainSinceCreateTimeMs: number | null;
  /** A revision active more recently than this (ms) is kept; null = disabled. */
  retainSinceLastActiveTimeMs: number | null;
  /** Non-active revisions always kept. */
  minNonActiveRevisions: number;
  /** Non-active revisions beyond this are deleted oldest-first whatever their age; null = no maximum. */
  maxNonActiveRevisions: number | null;
}

export const defaultGcConfig: GcConfig = {
  retainSinceCreateTimeMs: 48 * 3600_000,
  retainSinceLastActiveTimeMs: 15 * 3600_000,
  minNonActiveRevisions: 20,
  maxNonActiveRevisions: 1000,
};

const isDisabled = (v: string) => v.toLowerCase() === 'disabled';

function disabledOrDuration(raw: Record<string, unknown>, key: string, fallback: number | null): number | null {
  const v = configText(raw, key)?.trim();
  if (v === undefined || v === '') return fallback;
  if (isDisabled(v)) return null;
  const d = goParseDurationMs(v);
  if (!d.ok) throw new Error(`failed to parse ${key}: ${d.error}`);
  if (d.value < 0) throw new Error(`failed to parse ${key}: must be non-negative`);
  return d.value;
}

function disabledOrCount(raw: Record<string, unknown>, key: string, fallback: number | null): number | null {
  const v = configText(raw, key)?.trim();
  if (v === undefined || v === '') return fallback;
  if (isDisabled(v)) return null;
  const n = goParseUint(v);
  if (!n.ok) throw new Error(`failed to parse ${key}: ${n.error}`);
  if (BigInt(v) > 2n ** 63n - 1n) throw new Error(`failed to parse ${key}: value should be lower than 9223372036854775807`);
  return n.value;
}

export function parseGcConfig(raw: Record<string, unknown>): GcConfig {
  const c: GcConfig = { ...defaultGcConfig };
  const min = configText(raw, 'min-non-active-revisions');
  if (min !== undefined) {
    const n = goParseInt(min);
    if (!n.ok) throw new Error(`failed to parse data: failed to parse "min-non-active-revisions": ${n.error}`);
    c.minNonActiveRevisions = n.value;
  }
  c.retainSinceCreateTimeMs = disabledOrDuration(raw, 'retain-since-create-time', c.retainSinceCreateTimeMs);
  c.retainSinceLastActiveTimeMs = disabledOrDuration(raw, 'retain-since-last-active-time', c.retainSinceLastActiveTimeMs);
  c.maxNonActiveRevisions = disabledOrCount(raw, 'max-non-active-revisions', c.maxNonActiveRevisions);
  if (c.minNonActiveRevisions < 0) {
    throw new Error(`min-non-active-revisions must be non-negative, was: ${c.minNonActiveRevisions}`);
  }
  if (c.maxNonActiveRevisions !== null && c.minNonActiveRevisions > c.maxNonActiveRevisions) {
    throw new Error(`min-non-active-revisions(${c.minNonActiveRevisions}) must be <= max-non-active-revisions(${c.maxNonActiveRevisions})`);
  }
  return c;
}
