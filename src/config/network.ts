/**
 * The `network` section (Knative's config-network, knative/networking pkg/config/config.go): only
 * `rollout-duration` (legacy spelling `rolloutDuration`), the default gradual-rollout time in
 * whole seconds, 0 = traffic moves at once. Messages are Knative's.
 */
import { configText, goParseInt } from './go-values.ts';

export interface NetworkConfig {
  rolloutDurationSecs: number;
}

export const defaultNetworkConfig: NetworkConfig = { rolloutDurationSecs: 0 };

export function parseNetworkConfig(raw: Record<string, unknown>): NetworkConfig {
  const c: NetworkConfig = { ...defaultNetworkConfig };
  // The legacy key first: the new one wins when both are given.
  for (const key of ['rolloutDuration', 'rollout-duration']) {
    const v = configText(raw, key);
    if (v === undefined) continue;
    const n = goParseInt(v);
    if (!n.ok) throw new Error(`failed to parse ${JSON.stringify(key)}: ${n.error}`);
    c.rolloutDurationSecs = n.value;
  }
  if (c.rolloutDurationSecs < 0) {
    throw new Error(`rollout-duration must be a positive integer, but was ${c.rolloutDurationSecs}`);
  }
  return c;
}
