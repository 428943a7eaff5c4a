/**
 * The generic controller: a work queue of keys of one primary type, a reconciler that works on a
 * deep copy of the cached object, and the status write-back (knative/pkg's generated reconciler):
 * conditions are initialised before reconcileKind, `status.observedGeneration` is bumped after it,
 * and the status is written with updateStatus only if it changed. A 409 Conflict is retried
 * quietly; level-triggered reconcilers never look at event payloads.
 */

import type { Logger } from 'pino';
import type { KObject } from '../apis/meta.ts';
import type { ResourceType } from '../apis/resources.ts';
import type { Client } from '../client/client.ts';
import { ApiError } from '../lib/errors.ts';
import type { ConditionSet } from './conditions.ts';
import { deepClone, deepEqual } from '../lib/json.ts';
import type { EventHandler, Informer } from './informer.ts';
import { WorkQueue } from './workqueue.ts';

export interface ReconcileResult {
  /** Reconcile this key again after the given delay. */
  requeueAfter?: number;
}

/** An error that retrying cannot fix: logged, not retried. */
export class PermanentError extends Error {
  constructor(message: string, override readonly cause?: unknown) {
    super(message);
    this.name = 'PermanentError';
  }
}

export function permanentError(err: unknown): PermanentError {
  return err instanceof PermanentError ? err : new PermanentError(err instanceof Error ? err.message : String(err), err);
}

export function requeueAfter(ms: number): ReconcileResult {
  return { requeueAfter: ms };
}

export interface Reconciler {
  /** Mutates only `obj.status` (and may write other objects). */
  reconcileKind(obj: KObject): Promise<ReconcileResult | void>;
  /** The key is no longer in the cache (the object was deleted). */
  observeDeletion?(namespace: string, name: string): Promise<void>;
}

export interface ControllerOptions {
  name: string;
  type: ResourceType;
  informer: Informer;
  client: Client;
  reconciler: Reconciler;
  conditionSet: ConditionSet;
  logger?: Logger;
  now?: () => Date;
  workers?: number;
}

export function isConflict(err: unknown): boolean {
  return ApiError.isApiError(err) && err.code === 409 && err.reason === 'Conflict';
}

export class Controller {
  readonly name: string;
  readonly queue: WorkQueue;
  readonly informer: Informer;
  private readonly opts: ControllerOptions;
  private readonly now: () => Date;

  constructor(opts: ControllerOptions) {
    this.opts = opts;
    this.name = opts.name;
    this.informer = opts.informer;
    this.now = opts.now ?? (() => new Date());
    this.queue = new WorkQueue({ workers: opts.workers ?? 4 });
    this.informer.addEventHandler(handleAll((o) => this.enqueue(o)));
  }

  start(): void {
    this.queue.start((key) => this.process(key));
  }

  stop(): void {
    this.queue.stop();
  }

  enqueue(obj: KObject): void {
    this.queue.add(keyFor(obj.metadata.namespace, obj.metadata.name!));
  }

  enqueueKey(namespace: string, name: string): void {
    this.queue.add(keyFor(namespace, name));
  }

  /**
   * Knative's RetryUpdateConflicts: the first attempt uses the cached object; after a conflict
   * (typically a concurrent metadata change such as a label patch) the status is put on a fresh copy.
   */
  private async writeStatus(original: KObject, status: unknown): Promise<void> {
    const { client, type } = this.opts;
    let base = original;
    for (let attempt = 0; ; attempt++) {
      try {
        await client.updateStatus(type, { ...base, status });
        return;
      } catch (err) {
        if (!isConflict(err) || attempt >= 4) throw err;
        base = await client.get(type, original.metadata.namespace ?? '', original.metadata.name!);
        if (base.metadata.uid !== original.metadata.uid) throw err;
        if (deepEqual(base.status ?? {}, status)) return;
      }
    }
  }

  private async process(key: string): Promise<void> {
    const { logger, reconciler, conditionSet, client, type } = this.opts;
    const original = this.informer.getByKey(key);
    const [namespace, name] = splitKey(key);
    if (!original) {
      try {
        await reconciler.observeDeletion?.(namespace, name);
        this.queue.forget(key);
      } catch (err) {
        logger?.warn({ err, key, controller: this.name }, 'finalising deleted object failed');
        this.queue.addRateLimited(key);
      }
      return;
    }
    if (original.metadata.deletionTimestamp) return;

    const obj = deepClone(original);
    obj.status ??= {};
    const mgr = conditionSet.manage(obj.status, this.now);
    mgr.initialize();
    if (obj.status.observedGeneration !== obj.metadata.generation) {
      mgr.markUnknown(conditionSet.happy, 'NewObservedGenFailure', 'unsuccessfully observed a new generation');
    }

    let result: ReconcileResult | void = undefined;
    let reconcileErr: unknown;
    try {
      result = await reconciler.reconcileKind(obj);
    } catch (err) {
      reconcileErr = err;
    }
    if (obj.metadata.generation !== undefined) obj.status.observedGeneration = obj.metadata.generation;

    if (!deepEqual(original.status ?? {}, obj.status)) {
      try {
        await this.writeStatus(original, obj.status);
      } catch (err) {
        if (isConflict(err)) {
          logger?.debug({ key, controller: this.name }, 'status update conflict; requeueing');
        } else if (!(ApiError.isApiError(err) && err.code === 404)) {
          logger?.warn({ err, key, controller: this.name }, 'status update failed');
        }
        if (!(ApiError.isApiError(err) && err.code === 404)) this.queue.addRateLimited(key);
        return;
      }
    }

    if (reconcileErr) {
      if (reconcileErr instanceof PermanentError) {
        logger?.warn({ err: reconcileErr, key, controller: this.name }, 'reconcile failed permanently');
        this.queue.forget(key);
      } else {
        if (!isConflict(reconcileErr) && !(ApiError.isApiError(reconcileErr) && reconcileErr.code === 409)) {
          logger?.warn({ err: reconcileErr, key, controller: this.name }, 'reconcile failed; retrying');
        }
        this.queue.addRateLimited(key);
      }
      return;
    }
    this.queue.forget(key);
    if (result && result.requeueAfter !== undefined) this.queue.addAfter(key, result.requeueAfter);
  }
}

export function keyFor(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

export function splitKey(key: string): [string, string] {
  const i = key.indexOf('/');
  return i < 0 ? ['', key] : [key.slice(0, i), key.slice(i + 1)];
}

/** Call fn with the current object on add, update and delete. */
export function handleAll(fn: (obj: KObject) => void): EventHandler {
  return { onAdd: fn, onUpdate: (_old, obj) => fn(obj), onDelete: fn };
}

/** Map an owned object to the key of its controlling owner of the given kind. */
export function enqueueControllerOf(ctrl: Controller, ownerKind: string): EventHandler {
  return handleAll((obj) => {
    const ref = obj.metadata.ownerReferences?.find((r) => r.controller === true);
    if (ref && ref.kind === ownerKind) ctrl.enqueueKey(obj.metadata.namespace ?? '', ref.name);
  });
}

/** Map an object to the key named by one of its labels (e.g. Revision -> its Configuration). */
export function enqueueLabelOf(ctrl: Controller, label: string): EventHandler {
  return handleAll((obj) => {
    const name = obj.metadata.labels?.[label];
    if (name) ctrl.enqueueKey(obj.metadata.namespace ?? '', name);
  });
}
