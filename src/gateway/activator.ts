/**
 * The activator: Knative's activator + throttler as the gateway's `noReadyInstance` hook. A request
 * that no instance can take now (none ready, or all at containerConcurrency) waits in its
 * revision's FIFO queue until an instance can take it, then goes there; it fails with 503
 * `pending request queue full` when the queue is full (see breaker.ts for its depth) or with 504
 * `activator request timeout` after the revision's timeoutSeconds. Waiters wake on the revision's
 * instance changes (from the runtime's endpoint notifications) and when a request to a
 * concurrency-limited revision ends; nothing polls.
 *
 * A request for a revision without ready instances pokes the autoscaler (scale from zero at once),
 * and waiting requests count as in flight in the revision's metrics, as the activator reports them.
 */
import type { RevisionBackend, RevisionBackends } from './backends.ts';
import { freeSlots, QUEUE_FULL_BODY, queueDepth } from './breaker.ts';
import type { InboundRequest, InboundResponse } from './exchange.ts';
import type { InstanceAdmission, NoReadyInstanceHook } from './gateway.ts';

/** Knative's activator body when a request waited its whole timeout. */
export const ACTIVATOR_TIMEOUT_BODY = 'activator request timeout';

export interface ActivatorOptions {
  /** The autoscaler's poke (Autoscaler.poke): a request arrived for a revision at zero. */
  poke?: (key: string) => void;
  /**
   * Whether the autoscaler keeps the activator in the revision's path (KPA Proxy mode, from
   * target-burst-capacity); then the deep activator queue applies, else queue-proxy's 10 × CC.
   */
  inPath?: (key: string) => boolean;
  /** Depth of the activator queue per revision (default 10 000, Knative's). */
  queueDepth?: number;
  /** Longest wait, whatever the revision's timeoutSeconds (default: that timeout only). */
  maxWaitMs?: number;
}

interface Waiter {
  resolve: (admission: InstanceAdmission) => void;
  startedAt: number;
  timer: NodeJS.Timeout;
  res: InboundResponse;
  onClose: () => void;
}

export class Activator {
  private readonly queues = new Map<RevisionBackend, Waiter[]>();
  private closed = false;

  constructor(private readonly opts: ActivatorOptions = {}) {}

  /** Wakes waiters when a revision's instances change. */
  attach(backends: Pick<RevisionBackends, 'onInstancesChange'>): void {
    backends.onInstancesChange((backend) => this.wake(backend));
  }

  /** Requests waiting for an instance of the revision now. */
  waiting(backend: RevisionBackend): number {
    return this.queues.get(backend)?.length ?? 0;
  }

  /** The gateway's noReadyInstance hook. */
  readonly hook: NoReadyInstanceHook = (backend, _req: InboundRequest, res) => {
    const queue = this.queues.get(backend);
    const cc = backend.settings.containerConcurrency ?? 0;
    // An instance freed up between the gateway's pick and here, and nobody is ahead in line.
    if (!queue?.length && freeSlots(backend.instances, cc) > 0) return true;
    if (this.closed) return false;
    const key = `${backend.namespace}/${backend.name}`;
    const ready = backend.instances.length;
    if (ready === 0) this.opts.poke?.(key);
    const now = performance.now();
    const depth = queueDepth(cc, ready, this.opts.inPath?.(key) ?? true, this.opts.queueDepth);
    if ((queue?.length ?? 0) >= depth) {
      backend.counters.started(now);
      backend.counters.finished(now, 503, now);
      return { status: 503, body: QUEUE_FULL_BODY };
    }
    backend.counters.started(now);
    return new Promise<InstanceAdmission>((resolve) => {
      const waitMs = Math.min(backend.settings.timeoutMs, this.opts.maxWaitMs ?? Infinity);
      const waiter: Waiter = {
        resolve, startedAt: now, res,
        timer: setTimeout(() => this.fail(backend, waiter, 504, ACTIVATOR_TIMEOUT_BODY), waitMs),
        onClose: () => this.fail(backend, waiter, 0, ''),
      };
      res.once('close', waiter.onClose);
      let q = this.queues.get(backend);
      if (!q) this.queues.set(backend, (q = []));
      q.push(waiter);
    });
  };

  /** The gateway's requestEnded hook: a slot of a concurrency-limited revision is free. */
  readonly requestEnded = (backend: RevisionBackend): void => {
    if (this.queues.has(backend)) this.wake(backend);
  };

  /** Lets through as many waiters as the revision's instances can take now, first come first served. */
  wake(backend: RevisionBackend): void {
    const queue = this.queues.get(backend);
    if (!queue) return;
    let free = freeSlots(backend.instances, backend.settings.containerConcurrency ?? 0);
    const now = performance.now();
    while (free > 0 && queue.length > 0) {
      const waiter = queue.shift()!;
      free--;
      this.settle(waiter);
      backend.counters.left(now);
      waiter.resolve(true);
    }
    if (queue.length === 0) this.queues.delete(backend);
  }

  /** Answers every waiter 503 (shutdown). */
  close(): void {
    this.closed = true;
    for (const [backend, queue] of [...this.queues]) {
      for (const waiter of [...queue]) this.fail(backend, waiter, 503, 'ksrv is shutting down');
    }
  }

  private fail(backend: RevisionBackend, waiter: Waiter, status: number, body: string): void {
    const queue = this.queues.get(backend);
    const i = queue ? queue.indexOf(waiter) : -1;
    if (i < 0) return;
    queue!.splice(i, 1);
    if (queue!.length === 0) this.queues.delete(backend);
    this.settle(waiter);
    backend.counters.finished(performance.now(), status, waiter.startedAt);
    waiter.resolve({ status, body });
  }

  private settle(waiter: Waiter): void {
    clearTimeout(waiter.timer);
    waiter.res.off('close', waiter.onClose);
  }
}
