/**
 * What Knative's KPA reconciler does with a decision (pkg/reconciler/autoscaling/kpa/scaler.go and
 * kpa.go): apply min/max/initial-scale bounds, gate scale to zero, choose whether the gateway must
 * stay in the request path (SKS Proxy/Serve), and compute the Active condition. Pure: the state of
 * one revision goes in with the time and comes back updated.
 *
 * ksrv's gateway buffers requests for every revision, so the "activator" is always able to take
 * over: the probe Knative makes before scaling to zero always succeeds here.
 */

import type { RevisionScalingSpec } from './annotations.ts';

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface ActiveCondition {
  status: ConditionStatus;
  reason: string;
  message: string;
  /** Last transition: status, reason or message changed (as knative.dev/pkg's SetCondition). */
  sinceMs: number;
}

/** SKS operation mode: whether requests go through the buffering path (Proxy) or straight to instances. */
export type PathMode = 'proxy' | 'serve';

/** The per-revision state Knative keeps in the PodAutoscaler status, the SKS and the Deployment. */
export interface ScalerState {
  active: ActiveCondition;
  scaleTargetInitialized: boolean;
  /** PodAutoscaler status.desiredScale; undefined while never decided. */
  desiredScale: number | undefined;
  /** The instance count the runtime is asked to run (the Deployment's replicas). */
  appliedScale: number;
  mode: PathMode;
  /** Since when the mode is Proxy. */
  proxySinceMs: number | undefined;
}

export interface ScalerInput {
  nowMs: number;
  spec: RevisionScalingSpec;
  /** routingState is not `reserve`. */
  reachable: boolean;
  readyInstances: number;
  /** The decider's latest valid decision; -1 while it has none. */
  decidedScale: number;
  excessBurstCapacity: number;
}

export interface ScalerResult {
  state: ScalerState;
  /** The scale the reconcile wanted (-1 = unknown): PodAutoscaler's `want`. */
  want: number;
}

export const NO_TRAFFIC = { reason: 'NoTraffic', message: 'The target is not receiving traffic.' } as const;
export const QUEUED = { reason: 'Queued', message: 'Requests to the target are being buffered as resources are provisioned.' } as const;
export const TIMED_OUT = { reason: 'TimedOut', message: 'The target could not be activated.' } as const;

/** Extra time past the progress deadline before a revision that never activated is scaled to 0. */
export const ACTIVATION_TIMEOUT_BUFFER_MS = 30_000;

/** A new revision: Active Unknown, the runtime started at initial-scale, the gateway in the path. */
export function newScalerState(spec: RevisionScalingSpec, nowMs: number): ScalerState {
  return {
    active: { status: 'Unknown', reason: '', message: '', sinceMs: nowMs },
    scaleTargetInitialized: false,
    desiredScale: undefined,
    appliedScale: spec.initialScale,
    mode: 'proxy',
    proxySinceMs: nowMs,
  };
}

/** min-scale applies only to a reachable revision; max-scale 0 = unbounded. */
export function scaleBounds(spec: RevisionScalingSpec, reachable: boolean): { min: number; max: number } {
  return { min: reachable ? spec.minScale : 0, max: spec.maxScale };
}

export function applyBounds(min: number, max: number, x: number): number {
  if (x < min) return min;
  if (max !== 0 && x > max) return max;
  return x;
}

function inStatusFor(active: ActiveCondition, status: ConditionStatus, nowMs: number): number {
  return active.status === status ? nowMs - active.sinceMs : -1;
}

/** handleScaleToZero: [scale, apply?]. -1 = unknown. */
function handleScaleToZero(s: ScalerState, input: ScalerInput, desired: number): [number, boolean] {
  if (desired !== 0) return [desired, true];
  const { spec, nowMs } = input;
  if (!spec.enableScaleToZero) return [1, true];
  switch (s.active.status) {
    case 'Unknown': {
      // Stuck activating past the progress deadline: give up and scale to zero.
      const timeout = spec.progressDeadlineMs + ACTIVATION_TIMEOUT_BUFFER_MS;
      if (inStatusFor(s.active, 'Unknown', nowMs) > timeout) return [desired, true];
      return [-1, false];
    }
    case 'True':
      // Only deactivate after being active for a stable window; meanwhile keep one instance.
      if (inStatusFor(s.active, 'True', nowMs) >= spec.stableWindowMs) return [desired, false];
      return [1, true];
    default: {
      const retention = input.reachable ? spec.scaleToZeroPodRetentionMs : 0;
      const inactiveFor = inStatusFor(s.active, 'False', nowMs);
      if (inactiveFor >= Math.max(spec.scaleToZeroGracePeriodMs, retention)) return [desired, true];
      if (retention > 0 && inactiveFor < retention) return [desired, false];
      // Fast path: the gateway has been buffering for the revision for the whole grace period.
      const proxyFor = s.mode === 'proxy' && s.proxySinceMs !== undefined ? nowMs - s.proxySinceMs : 0;
      return [desired, spec.scaleToZeroGracePeriodMs - proxyFor <= 0];
    }
  }
}

/** The ready count at which the revision counts as Active. */
export function activeThreshold(s: ScalerState, spec: RevisionScalingSpec, reachable: boolean): number {
  const { min } = scaleBounds(spec, reachable);
  return s.scaleTargetInitialized ? Math.max(min, 1) : Math.max(min, spec.initialScale);
}

function setActive(s: ScalerState, nowMs: number, status: ConditionStatus, reason = '', message = ''): void {
  const a = s.active;
  if (a.status === status && a.reason === reason && a.message === message) return;
  s.active = { status, reason, message, sinceMs: nowMs };
}

/** computeActiveCondition: the table of kpa.go. */
function computeActive(s: ScalerState, input: ScalerInput, want: number): void {
  const minReady = activeThreshold(s, input.spec, input.reachable);
  const ready = input.readyInstances;
  if (ready >= minReady) s.scaleTargetInitialized = true;
  const inactive = s.active.status === 'False';
  const now = input.nowMs;
  if (want === 0 || minReady === 0) {
    // Scaling to zero while still activating only happens when activation timed out.
    if (s.active.status === 'Unknown' && minReady > 0) setActive(s, now, 'False', TIMED_OUT.reason, TIMED_OUT.message);
    else setActive(s, now, 'False', NO_TRAFFIC.reason, NO_TRAFFIC.message);
  } else if (ready < minReady) {
    if (want > 0 || !inactive) setActive(s, now, 'Unknown', QUEUED.reason, QUEUED.message);
    else setActive(s, now, 'False', NO_TRAFFIC.reason, NO_TRAFFIC.message);
  } else if (want > 0 || !inactive) {
    setActive(s, now, 'True');
  }
}

/** One PodAutoscaler reconcile. */
export function reconcileScale(prev: ScalerState, input: ScalerInput): ScalerResult {
  const s: ScalerState = { ...prev };
  const { spec, reachable } = input;
  let want: number;
  if (input.decidedScale < 0 && s.active.status !== 'Unknown') {
    // No metrics yet: leave the scale alone.
    want = input.decidedScale;
  } else {
    let { min, max } = scaleBounds(spec, reachable);
    // Until initial-scale was reached once (ignored for a reserve revision).
    if (spec.initialScale > 1 && !s.scaleTargetInitialized && reachable) min = Math.max(min, spec.initialScale);
    const [scale, apply] = handleScaleToZero(s, input, applyBounds(min, max, input.decidedScale));
    want = scale;
    if (apply) s.appliedScale = scale;
  }

  // The gateway may step out of the path only with instances wanted and burst capacity to spare.
  const mode: PathMode = want === -1 && s.active.status === 'False' ? 'proxy'
    : want > 0 && input.excessBurstCapacity >= 0 ? 'serve' : 'proxy';
  if (mode !== s.mode) {
    s.mode = mode;
    s.proxySinceMs = mode === 'proxy' ? input.nowMs : undefined;
  }

  // A restarted autoscaler without metrics does not flap the desired scale to -1.
  if (!(want === -1 && s.desiredScale !== undefined && s.desiredScale >= 0)) s.desiredScale = want >= 0 ? want : undefined;
  computeActive(s, input, want);
  return { state: s, want };
}
