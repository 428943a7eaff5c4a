/**
 * Knative condition sets (knative/pkg apis/condition_set.go): a "happy" condition (Ready) that
 * summarises a list of dependent conditions. Mirrors the Go semantics closely because users and
 * tests read the exact condition lists, reasons and messages.
 *
 * - terminal conditions (happy + dependents) have no severity; others get severity "Info";
 * - conditions are kept sorted by type;
 * - lastTransitionTime is only bumped when status, reason, message or severity change.
 */

import type { Condition } from '../apis/meta.ts';

export type ConditionStatus = Condition['status'];

export interface ConditionsHolder {
  conditions?: Condition[];
  [k: string]: unknown;
}

/** Knative VolatileTime renders as RFC3339 with second precision. */
export function formatTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class ConditionSet {
  readonly happy: string;
  readonly dependents: readonly string[];

  constructor(happy: string, dependents: readonly string[]) {
    this.happy = happy;
    this.dependents = dependents;
  }

  manage(status: ConditionsHolder, now: () => Date = () => new Date()): ConditionManager {
    return new ConditionManager(this, status, now);
  }

  isTerminal(type: string): boolean {
    return type === this.happy || this.dependents.includes(type);
  }
}

/** Knative's LivingConditionSet: Ready summarises the given dependents. */
export function livingConditionSet(...dependents: string[]): ConditionSet {
  return new ConditionSet('Ready', dependents);
}

export function getCondition(status: ConditionsHolder | undefined, type: string): Condition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

export class ConditionManager {
  constructor(readonly set: ConditionSet, readonly status: ConditionsHolder, private readonly now: () => Date) {}

  get(type: string): Condition | undefined {
    return getCondition(this.status, type);
  }

  isHappy(): boolean {
    return this.get(this.set.happy)?.status === 'True';
  }

  private severity(type: string): string | undefined {
    return this.set.isTerminal(type) ? undefined : 'Info';
  }

  private build(type: string, status: ConditionStatus, reason?: string, message?: string): Condition {
    const c: Condition = { type, status };
    if (reason) c.reason = reason;
    if (message) c.message = message;
    const sev = this.severity(type);
    if (sev) c.severity = sev;
    return c;
  }

  setCondition(cond: Condition): void {
    const existing = this.status.conditions ?? [];
    const old = existing.find((c) => c.type === cond.type);
    if (old && old.status === cond.status && (old.reason ?? '') === (cond.reason ?? '')
      && (old.message ?? '') === (cond.message ?? '') && (old.severity ?? '') === (cond.severity ?? '')) {
      return;
    }
    const next: Condition = { ...cond, lastTransitionTime: formatTime(this.now()) };
    const conditions = existing.filter((c) => c.type !== cond.type);
    conditions.push(next);
    conditions.sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
    this.status.conditions = conditions;
  }

  clear(type: string): void {
    if (this.set.isTerminal(type) || !this.status.conditions) return;
    this.status.conditions = this.status.conditions.filter((c) => c.type !== type);
  }

  initialize(): void {
    let happy = this.get(this.set.happy);
    if (!happy) {
      happy = { type: this.set.happy, status: 'Unknown' };
      this.setCondition(happy);
    }
    const status: ConditionStatus = happy.status === 'True' ? 'True' : 'Unknown';
    for (const t of this.set.dependents) {
      if (!this.get(t)) this.setCondition({ type: t, status });
    }
  }

  markTrue(type: string): void {
    this.setCondition(this.build(type, 'True'));
    this.markHappy(type);
  }

  markTrueWithReason(type: string, reason: string, message: string): void {
    this.setCondition(this.build(type, 'True', reason, message));
    this.markHappy(type);
  }

  private markHappy(type: string): void {
    const unhappy = this.findUnhappyDependent();
    if (unhappy) {
      this.setCondition(this.build(this.set.happy, unhappy.status, unhappy.reason, unhappy.message));
    } else if (type !== this.set.happy) {
      this.setCondition(this.build(this.set.happy, 'True'));
    }
  }

  private findUnhappyDependent(): Condition | undefined {
    if (this.set.dependents.length === 0) return undefined;
    const terminal = (this.status.conditions ?? [])
      .filter((c) => !c.severity && c.type !== this.set.happy)
      // newest transition first (stable for ties)
      .map((c, i) => ({ c, i }))
      .sort((a, b) => (b.c.lastTransitionTime ?? '').localeCompare(a.c.lastTransitionTime ?? '') || a.i - b.i)
      .map((x) => x.c);
    const f = terminal.find((c) => c.status === 'False');
    if (f) return f;
    const u = terminal.find((c) => c.status === 'Unknown');
    if (u) return u;
    if (terminal.length !== this.set.dependents.length) return { type: '', status: 'Unknown' };
    return undefined;
  }

  markUnknown(type: string, reason: string, message: string): void {
    this.setCondition(this.build(type, 'Unknown', reason, message));
    let isDependent = false;
    for (const d of this.set.dependents) {
      const c = this.get(d);
      if (c?.status === 'False') {
        if (this.get(this.set.happy)?.status !== 'False') this.markFalse(this.set.happy, reason, message);
        return;
      }
      if (d === type) isDependent = true;
    }
    if (isDependent) this.setCondition(this.build(this.set.happy, 'Unknown', reason, message));
  }

  markFalse(type: string, reason: string, message: string): void {
    const types = [type];
    if (this.set.dependents.includes(type)) types.push(this.set.happy);
    for (const t of types) this.setCondition(this.build(t, 'False', reason, message));
  }
}
