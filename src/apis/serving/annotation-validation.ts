/**
 * Validation of the annotations Knative reads: autoscaling.knative.dev/* on revision templates
 * (pkg/apis/autoscaling/annotation_validation.go), rollout-duration on Service/Route, progress-deadline
 * and queue-sidecar resources on templates, and the ban on autoscaling keys on Service/Configuration.
 */
import {
  FieldError, Level, also, CURRENT_FIELD, errGeneric, errInvalidKeyName, errInvalidValue, errOutOfBoundsValue,
} from '../../lib/field-error.ts';
import { formatGoDuration, isQuantity, parseGoDuration, parseGoFloat, parseGoInt } from './k8s-strings.ts';
import { AUTOSCALING_GROUP } from './types.ts';

type Annotations = Record<string, string> | undefined;

const G = AUTOSCALING_GROUP;
const KPA = 'kpa.autoscaling.knative.dev';
const HPA = 'hpa.autoscaling.knative.dev';
const MAX_INT32 = 2147483647;
const SECOND = 1e9;
const WINDOW_MIN = 6 * SECOND;
const WINDOW_MAX = 3600 * SECOND;

/** kmap.KeyPriority: the first key present wins (canonical key first, legacy camelCase after). */
function get(m: Annotations, ...keys: string[]): [string, string] | undefined {
  if (!m) return undefined;
  for (const k of keys) if (Object.prototype.hasOwnProperty.call(m, k)) return [k, m[k]!];
  return undefined;
}

const CLASS = [`${G}/class`];
const MIN_SCALE = [`${G}/min-scale`, `${G}/minScale`];
const MAX_SCALE = [`${G}/max-scale`, `${G}/maxScale`];
const INITIAL_SCALE = [`${G}/initial-scale`, `${G}/initialScale`];
const ACTIVATION_SCALE = [`${G}/activation-scale`];
const METRIC_KEY = `${G}/metric`;
const ALGORITHM = [`${G}/metric-aggregation-algorithm`, `${G}/metricAggregationAlgorithm`];
const PANIC_WINDOW = [`${G}/panic-window-percentage`, `${G}/panicWindowPercentage`];
const PANIC_THRESHOLD = [`${G}/panic-threshold-percentage`, `${G}/panicThresholdPercentage`];
const TARGET = [`${G}/target`];
const TARGET_UTILIZATION = [`${G}/target-utilization-percentage`, `${G}/targetUtilizationPercentage`];
const TBC = [`${G}/target-burst-capacity`, `${G}/targetBurstCapacity`];
const SCALE_DOWN_DELAY = [`${G}/scale-down-delay`, `${G}/scaleDownDelay`];
const RETENTION = [`${G}/scale-to-zero-pod-retention-period`, `${G}/scaleToZeroPodRetentionPeriod`];
const WINDOW_KEY = `${G}/window`;

function intGE0(m: Annotations, keys: string[]): [number, FieldError | undefined] {
  const kv = get(m, ...keys);
  if (!kv) return [0, undefined];
  const [k, v] = kv;
  const p = parseGoInt(v, 32);
  if (!p.ok) return [0, p.range ? errOutOfBoundsValue(v, 0, MAX_INT32, k) : errInvalidValue(v, k)];
  if (p.value < 0) return [0, errOutOfBoundsValue(v, 0, MAX_INT32, k)];
  return [p.value, undefined];
}

function validateClass(m: Annotations): FieldError | undefined {
  const kv = get(m, ...CLASS);
  if (kv && kv[1].endsWith('.knative.dev') && kv[1] !== KPA && kv[1] !== HPA) return errInvalidValue(kv[1], kv[0]);
  return undefined;
}

function validateMinMaxScale(m: Annotations): FieldError | undefined {
  const [min, minErr] = intGE0(m, MIN_SCALE);
  const [max, maxErr] = intGE0(m, MAX_SCALE);
  let errs = also(minErr, maxErr);
  if (max !== 0 && max < min) {
    errs = also(errs, new FieldError(`max-scale=${max} is less than min-scale=${min}`, [MAX_SCALE[0]!, MIN_SCALE[0]!]));
  }
  const act = get(m, ...ACTIVATION_SCALE);
  if (act) {
    const [k, v] = act;
    const p = parseGoInt(v, 32);
    if (!p.ok) errs = also(errs, errInvalidValue(v, k));
    else if (min > p.value) errs = also(errs, new FieldError(`min-scale=${min} is greater than activation-scale=${p.value}`, [k]));
    else if (max < p.value && max !== 0) errs = also(errs, new FieldError(`max-scale=${max} is less than activation-scale=${p.value}`, [k]));
    else if (p.value < 2) errs = also(errs, new FieldError(`activation-scale=${p.value} must be greater than 1`, [k]));
  }
  return errs;
}

function validateFloats(m: Annotations): FieldError | undefined {
  let errs: FieldError | undefined;
  let kv = get(m, ...PANIC_WINDOW);
  if (kv) {
    const f = parseGoFloat(kv[1]);
    if (f === undefined) errs = also(errs, errInvalidValue(kv[1], kv[0]));
    // Knative replaces (not appends) here; kept for identical output.
    else if (f < 1 || f > 100) errs = errOutOfBoundsValue(kv[1], 1, 100, kv[0]);
  }
  kv = get(m, ...PANIC_THRESHOLD);
  if (kv) {
    const f = parseGoFloat(kv[1]);
    if (f === undefined) errs = also(errs, errInvalidValue(kv[1], kv[0]));
    else if (f < 110 || f > 1000) errs = also(errs, errOutOfBoundsValue(kv[1], 110, 1000, kv[0]));
  }
  kv = get(m, ...TARGET);
  if (kv) {
    const f = parseGoFloat(kv[1]);
    if (f === undefined) errs = also(errs, errInvalidValue(kv[1], kv[0]));
    else if (f < 0.01) errs = also(errs, errGeneric(`target ${kv[1]} should be at least 0.01`, kv[0]));
  }
  kv = get(m, ...TARGET_UTILIZATION);
  if (kv) {
    const f = parseGoFloat(kv[1]);
    if (f === undefined) errs = also(errs, errInvalidValue(kv[1], kv[0]));
    else if (f < 1 || f > 100) errs = also(errs, errOutOfBoundsValue(kv[1], 1, 100, kv[0]));
  }
  kv = get(m, ...TBC);
  if (kv) {
    const f = parseGoFloat(kv[1]);
    if (f === undefined || (f < 0 && f !== -1)) errs = also(errs, errInvalidValue(kv[1], kv[0]));
  }
  return errs;
}

function validateWindow(m: Annotations): FieldError | undefined {
  const kv = get(m, WINDOW_KEY);
  if (!kv) return undefined;
  const d = parseGoDuration(kv[1]);
  if (d === undefined) return errInvalidValue(kv[1], WINDOW_KEY);
  if (d < WINDOW_MIN || d > WINDOW_MAX) return errOutOfBoundsValue(kv[1], formatGoDuration(WINDOW_MIN), formatGoDuration(WINDOW_MAX), WINDOW_KEY);
  if (d % SECOND !== 0) return errGeneric('must be specified with at most second precision', WINDOW_KEY);
  return undefined;
}

function validateRetention(m: Annotations): FieldError | undefined {
  const kv = get(m, ...RETENTION);
  if (!kv) return undefined;
  const d = parseGoDuration(kv[1]);
  if (d === undefined) return errInvalidValue(kv[1], kv[0]);
  if (d < 0 || d > WINDOW_MAX) return errOutOfBoundsValue(kv[1], '0s', formatGoDuration(WINDOW_MAX), kv[0]);
  return undefined;
}

function validateScaleDownDelay(m: Annotations): FieldError | undefined {
  const kv = get(m, ...SCALE_DOWN_DELAY);
  if (!kv) return undefined;
  const d = parseGoDuration(kv[1]);
  if (d === undefined) return errInvalidValue(kv[1], kv[0]);
  if (d < 0 || d > WINDOW_MAX) return errOutOfBoundsValue(kv[1], '0s', formatGoDuration(WINDOW_MAX), kv[0]);
  if (d % SECOND !== 0) return errGeneric('must be specified with at most second precision', kv[0]);
  return undefined;
}

function validateMetric(m: Annotations): FieldError | undefined {
  const metric = get(m, METRIC_KEY);
  if (!metric) return undefined;
  const cls = get(m, ...CLASS)?.[1] ?? KPA;
  if (cls === KPA) {
    if (metric[1] === 'concurrency' || metric[1] === 'rps') return undefined;
  } else if (cls === HPA) {
    if (metric[1] !== '') return undefined;
  } else {
    return undefined;
  }
  return errInvalidValue(metric[1], METRIC_KEY);
}

function validateAlgorithm(m: Annotations): FieldError | undefined {
  if (get(m, ...CLASS)?.[1] !== KPA) return undefined;
  const kv = get(m, ...ALGORITHM);
  if (!kv || kv[1] === '') return undefined;
  if (['linear', 'weighted-exponential', 'weightedExponential'].includes(kv[1])) return undefined;
  return errInvalidValue(kv[1], kv[0]);
}

/** Cluster-wide settings the webhook reads from Knative's ConfigMaps (here: config.yaml). */
export interface ClusterSettings {
  /** config-autoscaler allow-zero-initial-scale (default false). */
  allowZeroInitialScale?: boolean;
}

function validateInitialScale(m: Annotations, cluster: ClusterSettings): FieldError | undefined {
  const kv = get(m, ...INITIAL_SCALE);
  if (!kv) return undefined;
  const p = parseGoInt(kv[1], 64);
  if (!p.ok) return errInvalidValue(kv[1], kv[0]);
  if (p.value < 0) return errInvalidValue(kv[1], `${kv[0]} must be greater than 0`);
  if (p.value === 0 && !cluster.allowZeroInitialScale) return errInvalidValue(kv[1], `${kv[0]}=0 not allowed by cluster`);
  return undefined;
}

/** autoscaling.ValidateAnnotations under the cluster's settings. Paths are annotation keys. */
export function validateAutoscalingAnnotations(m: Annotations, cluster: ClusterSettings = {}): FieldError | undefined {
  return also(validateClass(m), validateMinMaxScale(m), validateFloats(m), validateWindow(m),
    validateRetention(m), validateScaleDownDelay(m), validateMetric(m), validateAlgorithm(m), validateInitialScale(m, cluster));
}

/** Service and Configuration metadata must not carry autoscaling annotations. */
export function validateHasNoAutoscalingAnnotation(m: Annotations): FieldError | undefined {
  let errs: FieldError | undefined;
  for (const key of Object.keys(m ?? {})) {
    if (key.startsWith(AUTOSCALING_GROUP)) {
      errs = also(errs, errInvalidKeyName(key, CURRENT_FIELD,
        'autoscaling annotations must be put under "spec.template.metadata.annotations" to work'));
    }
  }
  return errs;
}

function validatePositiveSecondsDuration(m: Annotations, name: string, keys: string[]): FieldError | undefined {
  const kv = get(m, ...keys);
  if (!kv || kv[1] === '') return undefined;
  const [k, v] = kv;
  const d = parseGoDuration(v);
  if (d === undefined) return errInvalidValue(v, k);
  if (d % SECOND !== 0) return new FieldError(`${name}=${v} is not at second precision`, [k]);
  if (d < 0) return new FieldError(`${name}=${v} must be positive`, [k]);
  return undefined;
}

export function validateRolloutDurationAnnotation(m: Annotations): FieldError | undefined {
  return validatePositiveSecondsDuration(m, 'rollout-duration',
    ['serving.knative.dev/rollout-duration', 'serving.knative.dev/rolloutDuration']);
}

export function validateProgressDeadlineAnnotation(m: Annotations): FieldError | undefined {
  return validatePositiveSecondsDuration(m, 'progress-deadline', ['serving.knative.dev/progress-deadline']);
}

const QP = 'queue.sidecar.serving.knative.dev';

export function validateQueueSidecarAnnotations(m: Annotations): FieldError | undefined {
  if (!m || Object.keys(m).length === 0) return undefined;
  let errs: FieldError | undefined;
  const pct = get(m, `${QP}/resource-percentage`, `${QP}/resourcePercentage`);
  if (pct) {
    const [k, v] = pct;
    errs = errGeneric('Queue proxy resource percentage annotation is deprecated. Please use the available annotations to explicitly set resource values per service')
      .viaKey(k).at(Level.Warning);
    const f = parseGoFloat(v);
    if (f === undefined) errs = also(errs, errInvalidValue(v, CURRENT_FIELD).viaKey(k));
    else if (f < 0.1 || f > 100) errs = also(errs, errOutOfBoundsValue(f, 0.1, 100, CURRENT_FIELD).viaKey(k));
  }
  for (const res of ['cpu', 'memory', 'ephemeral-storage']) {
    for (const kind of ['request', 'limit']) {
      const kv = get(m, `${QP}/${res}-resource-${kind}`);
      if (kv && !isQuantity(kv[1])) errs = also(errs, errInvalidValue(kv[1], CURRENT_FIELD).viaKey(kv[0]));
    }
  }
  return errs;
}
