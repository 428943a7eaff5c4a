/**
 * containerConcurrency as a hard limit per instance, as Knative's queue-proxy breaker
 * (pkg/queue/breaker.go) and the activator's throttler (pkg/activator/net/throttler.go) enforce it:
 * an instance takes at most `containerConcurrency` requests at once (RevisionBackend.pick skips
 * full ones); the rest wait for a slot in the activator's queue, whose depth this module sets.
 */
import type { UpstreamInstance } from './backends.ts';

/** queue-proxy's breaker queue: 10 × containerConcurrency per instance (buildBreaker). */
export const QUEUE_DEPTH_PER_SLOT = 10;
/** The activator's per-revision queue (throttler.go breakerQueueDepth). */
export const ACTIVATOR_QUEUE_DEPTH = 10_000;
/** queue-proxy's and the activator's 503 body when the queue is full. */
export const QUEUE_FULL_BODY = 'pending request queue full';

/**
 * How many requests may wait for an instance of a revision. While the activator is in the path
 * (no ready instance, or the autoscaler keeps it there for burst capacity) its deep queue buffers;
 * otherwise requests would go straight to the instances, whose queue-proxies hold 10 × CC each.
 */
export function queueDepth(containerConcurrency: number, readyInstances: number, activatorInPath: boolean, activatorDepth = ACTIVATOR_QUEUE_DEPTH): number {
  if (activatorInPath || readyInstances === 0 || containerConcurrency <= 0) return activatorDepth;
  return QUEUE_DEPTH_PER_SLOT * containerConcurrency * readyInstances;
}

/** Requests the instances can take now (Infinity without a limit, 0 without instances). */
export function freeSlots(instances: readonly UpstreamInstance[], containerConcurrency: number): number {
  if (instances.length === 0) return 0;
  if (containerConcurrency <= 0) return Infinity;
  let free = 0;
  for (const i of instances) free += Math.max(0, containerConcurrency - i.inFlight);
  return free;
}
