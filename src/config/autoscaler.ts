/**
 * The `autoscaler` section of the config file: Knative's ConfigMap config-autoscaler
 * (pkg/autoscaler/config/config.go) with the same keys, defaults, value syntax (Go durations such as
 * `60s`, Go floats, booleans as strconv.ParseBool reads them) and validation messages.
 * Unknown keys are ignored, as Knative does.
 */
import { parseGoDuration, parseGoFloat, parseGoInt } from '../apis/serving/k8s-strings.ts';

export const KPA_CLASS = 'kpa.autoscaling.knative.dev';
export const HPA_CLASS = 'hpa.autoscaling.knative.dev';

/** Smallest target a revision may aim for (autoscaling.TargetMin). */
export const TARGET_MIN = 0.01;
export const WINDOW_MIN_MS = 6_000;
export const WINDOW_MAX_MS = 3_600_000;
export const PANIC_WINDOW_PERCENTAGE_MIN = 1;
export const PANIC_WINDOW_PERCENTAGE_MAX = 100;

export interface AutoscalerConfig {
  enableScaleToZero: boolean;
  /** container-concurrency-target-percentage as a fraction in (0, 1]. */
  containerConcurrencyTargetFraction: number;
  containerConcurrencyTargetDefault: number;
  /** Fixed utilization for the rps metric (not a ConfigMap key in Knative). */
  targetUtilization: number;
  rpsTargetDefault: number;
  maxScaleUpRate: number;
  maxScaleDownRate: number;
  targetBurstCapacity: number;
  panicWindowPercentage: number;
  activatorCapacity: number;
  panicThresholdPercentage: number;
  stableWindowMs: number;
  scaleToZeroGracePeriodMs: number;
  scaleToZeroPodRetentionPeriodMs: number;
  scaleDownDelayMs: number;
  podAutoscalerClass: string;
  allowZeroInitialScale: boolean;
  initialScale: number;
  minScale: number;
  maxScale: number;
  maxScaleLimit: number;
}

export const DEFAULT_AUTOSCALER_CONFIG: Readonly<AutoscalerConfig> = Object.freeze({
  enableScaleToZero: true,
  containerConcurrencyTargetFraction: 0.7,
  containerConcurrencyTargetDefault: 100,
  targetUtilization: 0.7,
  rpsTargetDefault: 200,
  maxScaleUpRate: 1000,
  maxScaleDownRate: 2,
  targetBurstCapacity: 211,
  panicWindowPercentage: 10,
  activatorCapacity: 100,
  panicThresholdPercentage: 200,
  stableWindowMs: 60_000,
  scaleToZeroGracePeriodMs: 30_000,
  scaleToZeroPodRetentionPeriodMs: 0,
  scaleDownDelayMs: 0,
  podAutoscalerClass: KPA_CLASS,
  allowZeroInitialScale: false,
  initialScale: 1,
  minScale: 0,
  maxScale: 0,
  maxScaleLimit: 0,
});

/** Go's `%v` of a time.Duration given in ms (1m0s, 6s, 500ms, 0s). */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  const neg = ms < 0;
  const abs = Math.abs(ms);
  let out: string;
  if (abs < 1000) {
    out = abs >= 1 ? `${trimFloat(abs)}ms` : abs >= 1e-3 ? `${trimFloat(abs * 1e3)}µs` : `${Math.round(abs * 1e6)}ns`;
  } else {
    let s = abs / 1000;
    const h = Math.floor(s / 3600); s -= h * 3600;
    const m = Math.floor(s / 60); s -= m * 60;
    const sec = `${trimFloat(s)}s`;
    out = h > 0 ? `${h}h${m}m${sec}` : m > 0 ? `${m}m${sec}` : sec;
  }
  return neg ? `-${out}` : out;
}

function trimFloat(n: number): string {
  return String(Number(n.toFixed(9)));
}

/** Go's `%v` of a float64: shortest representation, exponent form below 1e-4 or from 1e21. */
export function goFloat(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : '-Inf';
  const abs = Math.abs(n);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e21)) {
    const [mant, exp] = n.toExponential().split('e') as [string, string];
    const sign = exp.startsWith('-') ? '-' : '+';
    const digits = exp.replace(/^[-+]/, '');
    return `${mant}e${sign}${digits.padStart(2, '0')}`;
  }
  return String(n);
}

/** Go's `%f`. */
function goFixed(n: number): string {
  return n.toFixed(6);
}

/** ConfigMap values are strings; YAML may give numbers or booleans, which read as their text. */
function text(raw: Record<string, unknown>, key: string): string | undefined {
  const v = raw[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'object') throw new Error(`failed to parse data: failed to parse "${key}": expected a scalar value`);
  return String(v);
}

function fail(key: string, reason: string): never {
  throw new Error(`failed to parse data: failed to parse "${key}": ${reason}`);
}

/** strconv.ParseBool. */
function asBool(raw: Record<string, unknown>, key: string, dflt: boolean): boolean {
  const s = text(raw, key);
  if (s === undefined) return dflt;
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  return fail(key, `strconv.ParseBool: parsing ${JSON.stringify(s)}: invalid syntax`);
}

function asFloat(raw: Record<string, unknown>, key: string, dflt: number): number {
  const s = text(raw, key);
  if (s === undefined) return dflt;
  const f = parseGoFloat(s);
  if (f === undefined) return fail(key, `strconv.ParseFloat: parsing ${JSON.stringify(s)}: invalid syntax`);
  return f;
}

function asInt32(raw: Record<string, unknown>, key: string, dflt: number): number {
  const s = text(raw, key);
  if (s === undefined) return dflt;
  const p = parseGoInt(s, 32);
  if (!p.ok) return fail(key, `strconv.ParseInt: parsing ${JSON.stringify(s)}: ${p.range ? 'value out of range' : 'invalid syntax'}`);
  return p.value;
}

/** time.ParseDuration, in ms. */
function asDurationMs(raw: Record<string, unknown>, key: string, dflt: number): number {
  const s = text(raw, key);
  if (s === undefined) return dflt;
  const ns = parseGoDuration(s);
  if (ns === undefined) return fail(key, `time: invalid duration ${JSON.stringify(s)}`);
  return ns / 1e6;
}

function asString(raw: Record<string, unknown>, key: string, dflt: string): string {
  return text(raw, key) ?? dflt;
}

/** Parses and validates the `autoscaler` section; throws an Error with Knative's message. */
export function parseAutoscalerConfig(raw: Record<string, unknown>): AutoscalerConfig {
  const d = DEFAULT_AUTOSCALER_CONFIG;
  const c: AutoscalerConfig = {
    ...d,
    podAutoscalerClass: asString(raw, 'pod-autoscaler-class', d.podAutoscalerClass),
    enableScaleToZero: asBool(raw, 'enable-scale-to-zero', d.enableScaleToZero),
    allowZeroInitialScale: asBool(raw, 'allow-zero-initial-scale', d.allowZeroInitialScale),
    maxScaleUpRate: asFloat(raw, 'max-scale-up-rate', d.maxScaleUpRate),
    maxScaleDownRate: asFloat(raw, 'max-scale-down-rate', d.maxScaleDownRate),
    containerConcurrencyTargetFraction: asFloat(raw, 'container-concurrency-target-percentage', d.containerConcurrencyTargetFraction),
    containerConcurrencyTargetDefault: asFloat(raw, 'container-concurrency-target-default', d.containerConcurrencyTargetDefault),
    rpsTargetDefault: asFloat(raw, 'requests-per-second-target-default', d.rpsTargetDefault),
    targetBurstCapacity: asFloat(raw, 'target-burst-capacity', d.targetBurstCapacity),
    panicWindowPercentage: asFloat(raw, 'panic-window-percentage', d.panicWindowPercentage),
    activatorCapacity: asFloat(raw, 'activator-capacity', d.activatorCapacity),
    panicThresholdPercentage: asFloat(raw, 'panic-threshold-percentage', d.panicThresholdPercentage),
    initialScale: asInt32(raw, 'initial-scale', d.initialScale),
    minScale: asInt32(raw, 'min-scale', d.minScale),
    maxScale: asInt32(raw, 'max-scale', d.maxScale),
    maxScaleLimit: asInt32(raw, 'max-scale-limit', d.maxScaleLimit),
    stableWindowMs: asDurationMs(raw, 'stable-window', d.stableWindowMs),
    scaleDownDelayMs: asDurationMs(raw, 'scale-down-delay', d.scaleDownDelayMs),
    scaleToZeroGracePeriodMs: asDurationMs(raw, 'scale-to-zero-grace-period', d.scaleToZeroGracePeriodMs),
    scaleToZeroPodRetentionPeriodMs: asDurationMs(raw, 'scale-to-zero-pod-retention-period', d.scaleToZeroPodRetentionPeriodMs),
  };
  // Values in (0, 1] are legacy fractions; anything above is a percentage.
  if (c.containerConcurrencyTargetFraction > 1) c.containerConcurrencyTargetFraction /= 100;
  validate(c);
  return c;
}

function validate(c: AutoscalerConfig): void {
  const bad = (msg: string): never => { throw new Error(msg); };
  if (c.scaleToZeroGracePeriodMs <= 0) bad(`scale-to-zero-grace-period must be positive, was: ${goDuration(c.scaleToZeroGracePeriodMs)}`);
  if (c.scaleDownDelayMs < 0) bad(`scale-down-delay cannot be negative, was: ${goDuration(c.scaleDownDelayMs)}`);
  if (c.scaleDownDelayMs % 1000 !== 0) bad(`scale-down-delay = ${goDuration(c.scaleDownDelayMs)}, must be specified with at most second precision`);
  if (c.scaleToZeroPodRetentionPeriodMs < 0) {
    bad(`scale-to-zero-pod-retention-period cannot be negative, was: ${goDuration(c.scaleToZeroPodRetentionPeriodMs)}`);
  }
  if (c.targetBurstCapacity < 0 && c.targetBurstCapacity !== -1) {
    bad(`target-burst-capacity must be either non-negative or -1 (for unlimited), was: ${goFixed(c.targetBurstCapacity)}`);
  }
  const frac = c.containerConcurrencyTargetFraction;
  if (!(frac > 0 && frac <= 1)) bad(`container-concurrency-target-percentage = ${goFixed(frac)} is outside of valid range of (0, 100]`);
  const target = frac * c.containerConcurrencyTargetDefault;
  if (target < TARGET_MIN) {
    bad(`container-concurrency-target-percentage and container-concurrency-target-default yield target concurrency of ${goFloat(target)}, can't be less than ${goFloat(TARGET_MIN)}`);
  }
  if (c.rpsTargetDefault < TARGET_MIN) bad(`requests-per-second-target-default must be at least ${goFloat(TARGET_MIN)}, was: ${goFloat(c.rpsTargetDefault)}`);
  if (c.activatorCapacity < 1) bad(`activator-capacity = ${goFloat(c.activatorCapacity)}, must be at least 1`);
  if (!(c.maxScaleUpRate > 1)) bad(`max-scale-up-rate = ${goFloat(c.maxScaleUpRate)}, must be greater than 1.0`);
  if (!(c.maxScaleDownRate > 1)) bad(`max-scale-down-rate = ${goFloat(c.maxScaleDownRate)}, must be greater than 1.0`);
  if (c.stableWindowMs < WINDOW_MIN_MS || c.stableWindowMs > WINDOW_MAX_MS) {
    bad(`stable-window = ${goDuration(c.stableWindowMs)}, must be in [${goDuration(WINDOW_MIN_MS)}; ${goDuration(WINDOW_MAX_MS)}] range`);
  }
  if (c.stableWindowMs % 1000 !== 0) bad(`stable-window = ${goDuration(c.stableWindowMs)}, must be specified with at most second precision`);
  if (!(c.panicWindowPercentage >= PANIC_WINDOW_PERCENTAGE_MIN && c.panicWindowPercentage <= PANIC_WINDOW_PERCENTAGE_MAX)) {
    bad(`panic-window-percentage = ${goFloat(c.panicWindowPercentage)}, must be in [${PANIC_WINDOW_PERCENTAGE_MIN}, ${PANIC_WINDOW_PERCENTAGE_MAX}] interval`);
  }
  if (c.initialScale < 0 || (c.initialScale === 0 && !c.allowZeroInitialScale)) {
    bad(`initial-scale = ${c.initialScale}, must be at least 0 (or at least 1 when allow-zero-initial-scale is false)`);
  }
  if (c.minScale < 0) bad(`min-scale = ${c.minScale}, must be at least 0`);
  // A cluster-wide max-scale-limit requires a default max-scale.
  const minMaxScale = c.maxScaleLimit > 0 ? 1 : 0;
  if (c.maxScale < minMaxScale || (c.maxScaleLimit > 0 && c.maxScale > c.maxScaleLimit)) {
    bad(`max-scale = ${c.maxScale}, must be in [${minMaxScale}, max-scale-limit(${c.maxScaleLimit})] range`);
  }
  if (c.maxScaleLimit < 0) bad(`max-scale-limit = ${c.maxScaleLimit}, must be at least 0`);
  if (c.minScale > c.maxScale && c.maxScale > 0) bad(`min-scale (${c.minScale}) must be less than max-scale (${c.maxScale})`);
}
