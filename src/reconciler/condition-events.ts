/**
 * Events that follow state transitions (a condition turning True or False, a new traffic split).
 * A transition is recorded only when the state differs both from the status the reconcile started
 * from and from what this process last saw for the object: a reconcile from an informer cache that
 * has not yet caught up with our own status write would otherwise record the transition again.
 */
import type { Condition, KObject } from '../apis/meta.ts';
import type { EventKind, EventRecorder } from '../controller/events.ts';

export type ConditionSnapshot = ReadonlyMap<string, string>;

/** Status, reason and message of one condition as a comparable string ('' when absent). */
function signatureOf(c: Pick<Condition, 'status' | 'reason' | 'message'> | undefined): string {
  return c ? JSON.stringify([c.status, c.reason ?? '', c.message ?? '']) : '';
}

export function snapshotConditions(status: { conditions?: Condition[] } | undefined): ConditionSnapshot {
  return new Map((status?.conditions ?? []).map((c) => [c.type, signatureOf(c)]));
}

function conditionOf(obj: KObject, type: string): Condition | undefined {
  return obj.status?.conditions?.find((c: Condition) => c.type === type);
}

export class TransitionEvents {
  /** `ns/name` → uid and the last state seen per key. */
  readonly #seen = new Map<string, { uid: string; states: Map<string, string> }>();

  constructor(private readonly recorder: EventRecorder) {}

  /** Records the event when `now` is new; remembers `now` either way. */
  onChange(obj: KObject, key: string, before: string, now: string, type: EventKind, reason: string, message: string): void {
    const id = `${obj.metadata.namespace}/${obj.metadata.name}`;
    let entry = this.#seen.get(id);
    if (!entry || entry.uid !== (obj.metadata.uid ?? '')) {
      entry = { uid: obj.metadata.uid ?? '', states: new Map() };
      this.#seen.set(id, entry);
    }
    const last = entry.states.get(key);
    entry.states.set(key, now);
    if (now !== before && now !== last) this.recorder.event(obj, type, reason, message);
  }

  /**
   * A Warning with the condition's reason and message when it turned False, or stayed False with a
   * new reason or message (a crash-looping container's exit code changing, another missing target).
   */
  warnOnFailure(obj: KObject, before: ConditionSnapshot, type: string): void {
    const c = conditionOf(obj, type);
    const now = c?.status === 'False' ? signatureOf(c) : 'not False';
    const was = before.get(type);
    const wasState = was && JSON.parse(was)[0] === 'False' ? was : 'not False';
    this.onChange(obj, `${type}:failure`, wasState, now, 'Warning', c?.reason || type, c?.message || `${type} is False`);
  }

  /** A Normal event when the condition turned True. */
  onTrue(obj: KObject, before: ConditionSnapshot, type: string, reason: string, message: string): void {
    const isTrue = (sig: string | undefined) => String(!!sig && JSON.parse(sig)[0] === 'True');
    this.onChange(obj, `${type}:true`, isTrue(before.get(type)), isTrue(signatureOf(conditionOf(obj, type))), 'Normal', reason, message);
  }

  forget(namespace: string, name: string): void {
    this.#seen.delete(`${namespace}/${name}`);
  }
}
