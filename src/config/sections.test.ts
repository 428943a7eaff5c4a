import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigSection } from './config.ts';
import { defaultFeaturesConfig, parseFeaturesConfig } from './features.ts';
import { defaultGcConfig, parseGcConfig } from './gc.ts';
import { goParseDurationMs } from './go-values.ts';
import { defaultNetworkConfig, parseNetworkConfig } from './network.ts';

const H = 3600_000;

function error(fn: () => unknown): string {
  try { fn(); } catch (err) { return (err as Error).message; }
  return 'no error';
}

describe('gc section', () => {
  it('defaults when empty', () => {
    assert.deepEqual(parseGcConfig({}), {
      retainSinceCreateTimeMs: 48 * H, retainSinceLastActiveTimeMs: 15 * H, minNonActiveRevisions: 20, maxNonActiveRevisions: 1000,
    });
    assert.deepEqual(parseGcConfig({}), defaultGcConfig);
  });
  const ok: [string, Record<string, unknown>, Partial<typeof defaultGcConfig>][] = [
    ['durations', { 'retain-since-create-time': '1h30m', 'retain-since-last-active-time': '10s' }, { retainSinceCreateTimeMs: 1.5 * H, retainSinceLastActiveTimeMs: 10_000 }],
    ['disabled in any case', { 'retain-since-create-time': 'disabled', 'retain-since-last-active-time': 'DISABLED', 'max-non-active-revisions': 'Disabled' },
      { retainSinceCreateTimeMs: null, retainSinceLastActiveTimeMs: null, maxNonActiveRevisions: null }],
    ['YAML numbers', { 'min-non-active-revisions': 0, 'max-non-active-revisions': 5 }, { minNonActiveRevisions: 0, maxNonActiveRevisions: 5 }],
    ['zero duration', { 'retain-since-create-time': 0 }, { retainSinceCreateTimeMs: 0 }],
    ['empty keeps default', { 'retain-since-create-time': '', 'max-non-active-revisions': ' ' }, {}],
    ['null keeps default', { 'min-non-active-revisions': null }, {}],
    ['min above max is fine when max is disabled', { 'min-non-active-revisions': '5000', 'max-non-active-revisions': 'disabled' }, { minNonActiveRevisions: 5000, maxNonActiveRevisions: null }],
    ['min equal to max', { 'min-non-active-revisions': '3', 'max-non-active-revisions': '3' }, { minNonActiveRevisions: 3, maxNonActiveRevisions: 3 }],
    ['unknown keys are ignored, as in a ConfigMap', { 'stale-revision-create-delay': '1h' }, {}],
  ];
  for (const [name, raw, want] of ok) it(name, () => assert.deepEqual(parseGcConfig(raw), { ...defaultGcConfig, ...want }));

  const bad: [string, Record<string, unknown>, string][] = [
    ['min not a number', { 'min-non-active-revisions': 'x' }, 'failed to parse data: failed to parse "min-non-active-revisions": strconv.ParseInt: parsing "x": invalid syntax'],
    ['min negative', { 'min-non-active-revisions': '-1' }, 'min-non-active-revisions must be non-negative, was: -1'],
    ['min above max', { 'min-non-active-revisions': '5', 'max-non-active-revisions': '3' }, 'min-non-active-revisions(5) must be <= max-non-active-revisions(3)'],
    ['min above default max', { 'min-non-active-revisions': 1001 }, 'min-non-active-revisions(1001) must be <= max-non-active-revisions(1000)'],
    ['max negative', { 'max-non-active-revisions': '-1' }, 'failed to parse max-non-active-revisions: strconv.ParseUint: parsing "-1": invalid syntax'],
    ['max too big', { 'max-non-active-revisions': '9223372036854775808' }, 'failed to parse max-non-active-revisions: value should be lower than 9223372036854775807'],
    ['duration without unit', { 'retain-since-create-time': '10' }, 'failed to parse retain-since-create-time: time: missing unit in duration "10"'],
    ['duration unknown unit', { 'retain-since-last-active-time': '2d' }, 'failed to parse retain-since-last-active-time: time: unknown unit "d" in duration "2d"'],
    ['duration garbage', { 'retain-since-create-time': 'soon' }, 'failed to parse retain-since-create-time: time: invalid duration "soon"'],
    ['duration negative', { 'retain-since-create-time': '-1h' }, 'failed to parse retain-since-create-time: must be non-negative'],
    ['a map value', { 'min-non-active-revisions': { a: 1 } }, 'min-non-active-revisions: expected a string or a number'],
  ];
  for (const [name, raw, want] of bad) it(`rejects: ${name}`, () => assert.equal(error(() => parseGcConfig(raw)), want));

  it('a ConfigSection prefixes the section name', () => {
    const s = new ConfigSection('gc', parseGcConfig, {});
    assert.equal(error(() => s.parse({ 'min-non-active-revisions': '-1' })), 'gc: min-non-active-revisions must be non-negative, was: -1');
  });
});

describe('network section', () => {
  const cases: [string, Record<string, unknown>, number | string][] = [
    ['default', {}, 0],
    ['seconds as a YAML number', { 'rollout-duration': 240 }, 240],
    ['seconds as text', { 'rollout-duration': '60' }, 60],
    ['legacy key', { rolloutDuration: '30' }, 30],
    ['new key wins over legacy', { rolloutDuration: '30', 'rollout-duration': '45' }, 45],
    ['a Go duration is not accepted', { 'rollout-duration': '240s' }, 'failed to parse "rollout-duration": strconv.ParseInt: parsing "240s": invalid syntax'],
    ['negative', { 'rollout-duration': -5 }, 'rollout-duration must be a positive integer, but was -5'],
    ['other Knative keys are ignored', { 'ingress-class': 'kourier.ingress.networking.knative.dev' }, 0],
  ];
  for (const [name, raw, want] of cases) {
    it(name, () => {
      if (typeof want === 'number') assert.deepEqual(parseNetworkConfig(raw), { ...defaultNetworkConfig, rolloutDurationSecs: want });
      else assert.equal(error(() => parseNetworkConfig(raw)), want);
    });
  }
});

describe('features section', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['ksrv enables tag header routing by default', {}, 'Enabled'],
    ['disabled', { 'tag-header-based-routing': 'disabled' }, 'Disabled'],
    ['Enabled', { 'tag-header-based-routing': 'Enabled' }, 'Enabled'],
    ['allowed', { 'tag-header-based-routing': 'ALLOWED' }, 'Allowed'],
    ['a typo', { 'tag-header-based-routing': 'enable' }, 'failed to parse "tag-header-based-routing": expected Enabled, Disabled or Allowed, was "enable"'],
    ['a boolean', { 'tag-header-based-routing': true }, 'failed to parse "tag-header-based-routing": expected Enabled, Disabled or Allowed, was "true"'],
  ];
  for (const [name, raw, want] of cases) {
    it(name, () => {
      if (/^[A-Z][a-z]+$/.test(want)) assert.deepEqual(parseFeaturesConfig(raw), { ...defaultFeaturesConfig, tagHeaderBasedRouting: want });
      else assert.equal(error(() => parseFeaturesConfig(raw)), want);
    });
  }
});

describe('Go duration errors', () => {
  const cases: [string, number | string][] = [
    ['1h', 3600_000], ['1.5s', 1500], ['250ms', 250], ['0', 0], ['1h2m3s', 3723_000],
    ['', 'time: invalid duration ""'], ['1', 'time: missing unit in duration "1"'],
    ['10s5x', 'time: unknown unit "x" in duration "10s5x"'], ['h', 'time: invalid duration "h"'],
  ];
  for (const [input, want] of cases) {
    it(JSON.stringify(input), () => {
      const r = goParseDurationMs(input);
      assert.deepEqual(r, typeof want === 'number' ? { ok: true, value: want } : { ok: false, error: want });
    });
  }
});
