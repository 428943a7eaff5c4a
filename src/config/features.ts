/**
 * The `features` section (Knative's config-features, pkg/apis/config/features.go): only
 * `tag-header-based-routing`. ksrv turns it on by default (Knative: Disabled). Values are
 * Enabled, Disabled or Allowed in any case; unlike Knative, which silently keeps the default, an
 * unknown value is reported so a typo does not go unnoticed.
 */
import { configText } from './go-values.ts';

export type FeatureFlag = 'Enabled' | 'Disabled' | 'Allowed';

export interface FeaturesConfig {
  /** Route requests carrying `Knative-Serving-Tag: <tag>` on a route's main host to that tag. */
  tagHeaderBasedRouting: FeatureFlag;
}

export const defaultFeaturesConfig: FeaturesConfig = { tagHeaderBasedRouting: 'Enabled' };

const FLAGS: FeatureFlag[] = ['Enabled', 'Allowed', 'Disabled'];

function flag(raw: Record<string, unknown>, key: string, fallback: FeatureFlag): FeatureFlag {
  const v = configText(raw, key);
  if (v === undefined) return fallback;
  const f = FLAGS.find((x) => x.toLowerCase() === v.toLowerCase());
  if (!f) throw new Error(`failed to parse ${JSON.stringify(key)}: expected Enabled, Disabled or Allowed, was ${JSON.stringify(v)}`);
  return f;
}

export function parseFeaturesConfig(raw: Record<string, unknown>): FeaturesConfig {
  return { tagHeaderBasedRouting: flag(raw, 'tag-header-based-routing', defaultFeaturesConfig.tagHeaderBasedRouting) };
}

export function isEnabled(f: FeatureFlag): boolean {
  return f === 'Enabled';
}
