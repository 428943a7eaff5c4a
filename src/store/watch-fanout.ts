/**
 * Delivers committed changes to in-process watchers. A backend publishes each change after it
 * commits; every subscription keeps its own queue and drains it on a later turn of the event loop,
 * so writers never wait for listeners, and one watch's events arrive in order, one at a time.
 */

import type { KObject } from '../apis/meta.ts';
import type { ObjectRef, ResourceRef, StoreEvent, Watch, WatchEventType } from './store.ts';
import { resourceKey } from './backend-checks.ts';

/** One committed write, as kept in a backend's change log. `json` is the stamped object. */
export interface Change {
  rv: number;
  type: WatchEventType;
  ref: ObjectRef;
  json: string;
}

export type WatchListener = (ev: StoreEvent) => void | Promise<void>;

/** How many events one drain delivers before yielding the event loop to other work. */
const EVENTS_PER_TURN = 256;

class Subscription implements Watch {
  private queue: Change[] = [];
  private head = 0;
  private scheduled = false;
  private draining = false;
  private stopped = false;
  /** Highest RV queued so far: guarantees RV order and no duplicate between replay and live. */
  private lastRv: number;

  constructor(
    private readonly namespace: string | undefined,
    afterRv: number,
    private readonly listener: WatchListener,
    private readonly detach: (s: Subscription) => void,
  ) {
    this.lastRv = afterRv;
  }

  offer(change: Change): void {
    if (this.stopped || change.rv <= this.lastRv) return;
    if (this.namespace && change.ref.namespace !== this.namespace) return;
    this.lastRv = change.rv;
    this.queue.push(change);
    this.schedule();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.queue = [];
    this.head = 0;
    this.detach(this);
  }

  private schedule(): void {
    if (this.scheduled || this.draining) return;
    this.scheduled = true;
    setImmediate(() => void this.drain());
  }

  private async drain(): Promise<void> {
    this.scheduled = false;
    this.draining = true;
    try {
      let delivered = 0;
      while (!this.stopped && this.head < this.queue.length) {
        if (delivered++ >= EVENTS_PER_TURN) break;
        const change = this.queue[this.head++]!;
        if (this.head === this.queue.length) { this.queue = []; this.head = 0; }
        try {
          const result = this.listener(toEvent(change));
          if (result && typeof (result as Promise<void>).then === 'function') await result;
        } catch (err) {
          reportListenerError(err);
        }
      }
    } finally {
      this.draining = false;
    }
    if (!this.stopped && this.head < this.queue.length) this.schedule();
  }
}

function toEvent(change: Change): StoreEvent {
  // Each delivery parses its own copy, so one listener's mutations never leak into another's.
  return {
    type: change.type,
    ref: { ...change.ref },
    object: JSON.parse(change.json) as KObject,
    resourceVersion: String(change.rv),
  };
}

function reportListenerError(err: unknown): void {
  // A failing listener must not stop delivery to itself or others; surface it and carry on.
  console.error('ksrv store: watch listener threw:', err);
}

export class WatchFanout {
  private readonly byResource = new Map<string, Set<Subscription>>();

  /**
   * Registers a listener for one resource type. `backlog` (changes already committed, RV order)
   * is queued first; call this in the same synchronous step as reading the backlog so no change
   * can fall between replay and live delivery.
   */
  subscribe(
    res: ResourceRef,
    namespace: string | undefined,
    afterRv: number,
    backlog: Iterable<Change>,
    listener: WatchListener,
  ): Watch {
    const key = resourceKey(res);
    let set = this.byResource.get(key);
    if (!set) { set = new Set(); this.byResource.set(key, set); }
    const subs = set;
    const sub = new Subscription(namespace || undefined, afterRv, listener, (s) => {
      subs.delete(s);
      if (subs.size === 0 && this.byResource.get(key) === subs) this.byResource.delete(key);
    });
    for (const change of backlog) sub.offer(change);
    subs.add(sub);
    return sub;
  }

  publish(change: Change): void {
    const subs = this.byResource.get(resourceKey(change.ref));
    if (!subs) return;
    for (const sub of subs) sub.offer(change);
  }

  stopAll(): void {
    for (const subs of [...this.byResource.values()]) for (const sub of [...subs]) sub.stop();
    this.byResource.clear();
  }

  /** Number of live subscriptions (for tests and diagnostics). */
  get size(): number {
    let n = 0;
    for (const subs of this.byResource.values()) n += subs.size;
    return n;
  }
}
