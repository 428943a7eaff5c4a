/**
 * A revision's scaling settings: the autoscaling.knative.dev/* annotations of its template (on the
 * Revision they are `metadata.annotations`) merged over the `autoscaler` configuration, as
 * Knative's PodAutoscaler accessors (pa_lifecycle.go), MakeDecider, MakeMetric and
 * ResolveMetricTarget do. Annotations were validated at admission; like Knative, a value that does
 * not parse here is ignored and the configured default applies.
 */
import type { KObject } from '../apis/meta.ts';
import { parseGoDuration, parseGoFloat, parseGoInt } from '../apis/serving/k8s-strings.ts';
import { KPA_CLASS, TARGET_MIN, type AutoscalerConfig } from '../config/autoscaler.ts';

const G = 'autoscaling.knative.dev';

/** Each list is a kmap.KeyPriority: the canonical key first, then the legacy camelCase alias. */
export const ScalingAnnotations = {
  class: [`${G}/class`],
  metric: [`${G}/metric`],
  target: [`${G}/target`],
  targetUtilizationPercentage: [`${G}/target-utilization-percentage`, `${G}/targetUtilizationPercentage`],
  minScale: [`${G}/min-scale`, `${G}/minScale`],
  maxScale: [`${G}/max-scale`, `${G}/maxScale`],
  initialScale: [`${G}/initial-scale`, `${G}/initialScale`],
  activationScale: [`${G}/activation-scale`],
  window: [`${G}/window`],
  panicWindowPercentage: [`${G}/panic-window-percentage`, `${G}/panicWindowPercentage`],
  panicThresholdPercentage: [`${G}/panic-threshold-percentage`, `${G}/panicThresholdPercentage`],
  scaleDownDelay: [`${G}/scale-down-delay`, `${G}/scaleDownDelay`],
  targetBurstCapacity: [`${G}/target-burst-capacity`, `${G}/targetBurstCapacity`],
  scaleToZeroPodRetentionPeriod: [`${G}/scale-to-zero-pod-retention-period`, `${G}/scaleToZeroPodRetentionPeriod`],
  progressDeadline: ['serving.knative.dev/progress-deadline'],
} as const;

/** config-deployment progress-deadline (ksrv has no such section yet). */
export const DEFAULT_PROGRESS_DEADLINE_MS = 600_000;

export type ScalingMetric = 'concurrency' | 'rps';

export interface RevisionScalingSpec {
  /** autoscaling.knative.dev/class; ksrv scales every class with the KPA logic. */
  class: string;
  /** What the decider scales on: Knative's decider treats everything but rps as concurrency. */
  metric: ScalingMetric;
  /** Per-instance value the autoscaler aims for (≥ 0.01). */
  targetValue: number;
  /** Per-instance capacity, used for the excess burst capacity. */
  totalValue: number;
  targetBurstCapacity: number;
  /** Fraction: 2.0 = panic when the panic window needs ≥ 2× the ready instances. */
  panicThreshold: number;
  stableWindowMs: number;
  panicWindowMs: number;
  scaleDownDelayMs: number;
  maxScaleUpRate: number;
  maxScaleDownRate: number;
  /** 0 when unset; otherwise the least non-zero scale. */
  activationScale: number;
  /** Bounds before reachability is applied (the scaler drops min-scale for reserve revisions). 0 = none. */
  minScale: number;
  maxScale: number;
  initialScale: number;
  /** Before reachability is applied (an unreachable revision keeps no last instance). */
  scaleToZeroPodRetentionMs: number;
  scaleToZeroGracePeriodMs: number;
  enableScaleToZero: boolean;
  progressDeadlineMs: number;
  activatorCapacity: number;
}

type Annotations = Record<string, string> | undefined;

function lookup(m: Annotations, keys: readonly string[]): string | undefined {
  if (!m) return undefined;
  for (const k of keys) if (Object.prototype.hasOwnProperty.call(m, k)) return m[k];
  return undefined;
}

function annotationInt32(m: Annotations, keys: readonly string[]): number | undefined {
  const s = lookup(m, keys);
  if (s === undefined) return undefined;
  const p = parseGoInt(s, 32);
  return p.ok ? p.value : undefined;
}

function annotationFloat(m: Annotations, keys: readonly string[]): number | undefined {
  const s = lookup(m, keys);
  if (s === undefined) return undefined;
  const f = parseGoFloat(s);
  return f === undefined || Number.isNaN(f) ? undefined : f;
}

function annotationDurationMs(m: Annotations, keys: readonly string[]): number | undefined {
  const s = lookup(m, keys);
  if (s === undefined) return undefined;
  const ns = parseGoDuration(s);
  return ns === undefined ? undefined : ns / 1e6;
}

/** ResolveMetricTarget (pkg/reconciler/autoscaling/resources/target.go). */
export function resolveMetricTarget(
  metric: ScalingMetric, containerConcurrency: number, annotations: Annotations, config: AutoscalerConfig,
): { target: number; total: number } {
  let total: number;
  let utilization: number;
  if (metric === 'rps') {
    total = config.rpsTargetDefault;
    utilization = config.targetUtilization;
  } else {
    total = containerConcurrency || config.containerConcurrencyTargetDefault;
    utilization = config.containerConcurrencyTargetFraction;
  }
  const target = annotationFloat(annotations, ScalingAnnotations.target);
  if (target !== undefined) {
    // Never aim above what one instance accepts.
    total = metric === 'concurrency' && containerConcurrency !== 0 ? Math.min(target, containerConcurrency) : target;
  }
  const tu = annotationFloat(annotations, ScalingAnnotations.targetUtilizationPercentage);
  if (tu !== undefined) utilization = tu / 100;
  return { target: Math.max(TARGET_MIN, total * utilization), total };
}

/** GetInitialScale: the annotation wins unless it asks for 0 where the config does not allow it. */
export function initialScale(annotations: Annotations, config: AutoscalerConfig): number {
  const v = annotationInt32(annotations, ScalingAnnotations.initialScale);
  if (v === undefined || (v === 0 && !config.allowZeroInitialScale)) return config.initialScale;
  return v;
}

/** The panic window: a percentage of the stable window, rounded to the second, at least 1 s. */
export function panicWindowMs(stableWindowMs: number, percentage: number): number {
  return Math.max(1000, Math.round((stableWindowMs * percentage) / 100 / 1000) * 1000);
}

export function resolveScalingSpec(revision: KObject, config: AutoscalerConfig): RevisionScalingSpec {
  const a: Annotations = revision.metadata.annotations;
  const cls = lookup(a, ScalingAnnotations.class) ?? KPA_CLASS;
  const metric: ScalingMetric = lookup(a, ScalingAnnotations.metric) === 'rps' ? 'rps' : 'concurrency';
  const cc = Number(revision.spec?.containerConcurrency ?? 0) || 0;
  const { target, total } = resolveMetricTarget(metric, cc, a, config);
  const stableWindowMs = annotationDurationMs(a, ScalingAnnotations.window) ?? config.stableWindowMs;
  const panicPct = annotationFloat(a, ScalingAnnotations.panicWindowPercentage) ?? config.panicWindowPercentage;
  return {
    class: cls,
    metric,
    targetValue: target,
    totalValue: total,
    targetBurstCapacity: annotationFloat(a, ScalingAnnotations.targetBurstCapacity) ?? config.targetBurstCapacity,
    panicThreshold: (annotationFloat(a, ScalingAnnotations.panicThresholdPercentage) ?? config.panicThresholdPercentage) / 100,
    stableWindowMs,
    panicWindowMs: panicWindowMs(stableWindowMs, panicPct),
    scaleDownDelayMs: annotationDurationMs(a, ScalingAnnotations.scaleDownDelay) ?? config.scaleDownDelayMs,
    maxScaleUpRate: config.maxScaleUpRate,
    maxScaleDownRate: config.maxScaleDownRate,
    activationScale: annotationInt32(a, ScalingAnnotations.activationScale) ?? 0,
    minScale: annotationInt32(a, ScalingAnnotations.minScale) ?? config.minScale,
    maxScale: annotationInt32(a, ScalingAnnotations.maxScale) ?? config.maxScale,
    initialScale: initialScale(a, config),
    scaleToZeroPodRetentionMs: annotationDurationMs(a, ScalingAnnotations.scaleToZeroPodRetentionPeriod) ?? config.scaleToZeroPodRetentionPeriodMs,
    scaleToZeroGracePeriodMs: config.scaleToZeroGracePeriodMs,
    enableScaleToZero: config.enableScaleToZero,
    progressDeadlineMs: annotationDurationMs(a, ScalingAnnotations.progressDeadline) ?? DEFAULT_PROGRESS_DEADLINE_MS,
    activatorCapacity: config.activatorCapacity,
  };
}
