/**
 * Waits for an object's Ready condition through a watch (kn's wait_for_ready.go): only states
 * whose status describes the current generation count; Ready=False must persist for an error
 * window before it is final, as controllers may pass through it.
 */
import type { Condition, KObject } from '../../apis/meta.ts';
import type { ServingClient, ServingResource, WatchHandle } from './serving-client.ts';

export interface WaitOptions {
  /** The object's generation after our write; older states are ignored. */
  generation?: number;
  timeoutSeconds: number;
  errorWindowMs?: number;
  /** Called with the Ready condition's message whenever a state with one arrives. */
  onMessage?: (elapsedMs: number, message: string) => void;
}

export class WaitTimeoutError extends Error {}

/** The kind word kn uses in messages: `service`, `revision`, `route`. */
function kindWord(resource: ServingResource): string {
  return resource.replace(/s$/, '');
}

function readyCondition(obj: KObject): Condition | undefined {
  return (obj.status?.conditions as Condition[] | undefined)?.find((c) => c.type === 'Ready');
}

function inSync(obj: KObject, generation: number | undefined): boolean {
  const observed = obj.status?.observedGeneration;
  if (observed === undefined || observed !== obj.metadata.generation) return false;
  return generation === undefined || observed >= generation;
}

/** Resolves with the ready object and the time waited; rejects on timeout, a lasting Ready=False, or deletion. */
export function waitForReady(client: ServingClient, resource: ServingResource, name: string, opts: WaitOptions): Promise<{ object: KObject; elapsedMs: number }> {
  const start = Date.now();
  const errorWindowMs = opts.errorWindowMs ?? 2000;
  return new Promise((resolve, reject) => {
    let watch: WatchHandle | undefined;
    let errorTimer: NodeJS.Timeout | undefined;
    let finished = false;
    const finish = (err: Error | undefined, object?: KObject) => {
      if (finished) return;
      finished = true;
      clearTimeout(timeout);
      clearTimeout(errorTimer);
      watch?.stop();
      if (err) reject(err);
      else resolve({ object: object!, elapsedMs: Date.now() - start });
    };
    const timeout = setTimeout(() => {
      finish(new WaitTimeoutError(`timeout: ${kindWord(resource)} '${name}' not ready after ${opts.timeoutSeconds} seconds`));
    }, opts.timeoutSeconds * 1000);

    const startWatch = () => {
      watch = client.watch(resource, { name }, (event) => {
        if (finished) return;
        if (event.type === 'DELETED') return finish(new Error(`${kindWord(resource)} '${name}' was deleted while waiting for it to become ready`));
        if (!inSync(event.object, opts.generation)) return;
        const ready = readyCondition(event.object);
        if (!ready) return;
        if (ready.status === 'True') return finish(undefined, event.object);
        if (ready.status === 'False') {
          errorTimer ??= setTimeout(() => finish(new Error(`${ready.reason}: ${ready.message}`)), errorWindowMs);
        } else if (errorTimer) {
          clearTimeout(errorTimer);
          errorTimer = undefined;
        }
        if (ready.message) opts.onMessage?.(Date.now() - start, ready.message);
      });
      // The server may end a watch at any time; a new one starts with the current state again.
      watch.closed.then(() => { if (!finished) startWatch(); }, (e: Error) => finish(e));
    };
    startWatch();
  });
}

/** kn's progress line: `%7.3fs message`, `...` when the message repeats. */
export function progressPrinter(write: (line: string) => void): (elapsedMs: number, message: string) => void {
  let previous = '';
  return (elapsedMs, message) => {
    write(`${(elapsedMs / 1000).toFixed(3).padStart(7)}s ${message === previous ? '...' : message}\n`);
    previous = message;
  };
}
