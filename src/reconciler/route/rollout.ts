/**
 * Gradual rollout (knative pkg/reconciler/route/traffic/rollout.go): when a configuration target's
 * latest ready revision changes, its traffic moves to the new revision in steps instead of at once.
 * The new revision starts at 1 % (taken from the newest previous revision that has traffic); once
 * that split is programmed, the step size and interval are fixed so the remaining percent arrives
 * within the rollout duration; each step then moves `stepSize` percent from the older revisions
 * (newest of them first) to the newest one, until it alone remains.
 *
 * The state is a `Rollout` kept between reconciles. Knative keeps it on the Ingress; ksrv has none,
 * so the route reconciler keeps it in the Route's `status.annotations` (RolloutAnnotation). Times
 * are in milliseconds since the epoch (Knative: nanoseconds), the field names are Knative's.
 */

import type { RevisionTarget } from './traffic.ts';

/** The Route status annotation holding the JSON Rollout. */
export const RolloutAnnotation = 'serving.knative.dev/rollout';

export interface RevisionRollout {
  revisionName: string;
  /** Share of the whole route's traffic (not of the configuration's). */
  percent: number;
}

export interface RolloutParams {
  /** When the rollout started (ms); 0/absent = no rollout. */
  starttime?: number;
  /** When the next step is due (ms). */
  nextStepTime?: number;
  /** Time between steps (ms); 0/absent = not yet computed (split not yet programmed). */
  stepDuration?: number;
  /** Percent moved per step. */
  stepSize?: number;
}

/** The rollout of one (tag, configuration) pair. */
export interface ConfigurationRollout {
  configurationName: string;
  /** Absent for the default (untagged) target. */
  tag?: string;
  /** Total percent of this configuration; the revisions' percents add up to it. */
  percent: number;
  /** Oldest first; the last one is the revision being rolled out. One entry = steady state. */
  revisions?: RevisionRollout[];
  stepParams: RolloutParams;
}

export interface Rollout {
  /** Sorted by tag, then configuration name. */
  configurations?: ConfigurationRollout[];
}

const tagOf = (c: ConfigurationRollout) => c.tag ?? '';

function sortRollout(ro: Rollout): void {
  ro.configurations?.sort((a, b) => cmp(tagOf(a), tagOf(b)) || cmp(a.configurationName, b.configurationName));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The steady-state rollout for resolved traffic (BuildRollout): one entry per (tag group,
 * configuration) for `latestRevision` targets with traffic, the current revision at 100 % of it.
 */
export function buildRollout(groups: Map<string, RevisionTarget[]>): Rollout {
  const configurations: ConfigurationRollout[] = [];
  for (const [tag, targets] of groups) {
    for (const t of targets) {
      if (t.latestRevision !== true || t.percent === 0 || !t.configurationName) continue;
      const c: ConfigurationRollout = {
        configurationName: t.configurationName,
        percent: t.percent,
        revisions: [{ revisionName: t.revisionName, percent: t.percent }],
        stepParams: {},
      };
      if (tag) c.tag = tag;
      configurations.push(c);
    }
  }
  const ro: Rollout = { configurations };
  sortRollout(ro);
  return ro;
}

/** The configuration rollouts of one tag ('' = default target). */
export function rolloutsByTag(ro: Rollout, tag: string): ConfigurationRollout[] {
  return (ro.configurations ?? []).filter((c) => tagOf(c) === tag);
}

export function configurationRollout(ro: Rollout, tag: string, configurationName: string): ConfigurationRollout | undefined {
  return rolloutsByTag(ro, tag).find((c) => c.configurationName === configurationName);
}

/** True when no configuration is between two revisions. */
export function isRolloutDone(ro: Rollout): boolean {
  return (ro.configurations ?? []).every((c) => (c.revisions?.length ?? 0) < 2);
}

/**
 * The stored form: fixed key order and Knative's omitempty fields, so an unchanged state always
 * serialises to the same text (the status is only written when it changes).
 */
export function serializeRollout(ro: Rollout): string {
  const configurations = (ro.configurations ?? []).map((c) => {
    const p = c.stepParams;
    const stepParams: RolloutParams = {};
    if (p.starttime) stepParams.starttime = p.starttime;
    if (p.nextStepTime) stepParams.nextStepTime = p.nextStepTime;
    if (p.stepDuration) stepParams.stepDuration = p.stepDuration;
    if (p.stepSize) stepParams.stepSize = p.stepSize;
    const revisions = (c.revisions ?? []).map((r) => ({ revisionName: r.revisionName, percent: r.percent }));
    return {
      configurationName: c.configurationName,
      ...(c.tag ? { tag: c.tag } : {}),
      percent: c.percent,
      ...(revisions.length ? { revisions } : {}),
      stepParams,
    };
  });
  return JSON.stringify(configurations.length ? { configurations } : {});
}

/** Reads a stored rollout; undefined when absent, not JSON, or inconsistent (Knative discards it then). */
export function parseRollout(text: string | undefined): Rollout | undefined {
  if (!text) return undefined;
  let ro: Rollout;
  try {
    ro = JSON.parse(text);
  } catch {
    return undefined;
  }
  return isValidRollout(ro) ? ro : undefined;
}

function isValidRollout(ro: unknown): ro is Rollout {
  if (typeof ro !== 'object' || ro === null || Array.isArray(ro)) return false;
  const cs = (ro as Rollout).configurations;
  if (cs === undefined) return true;
  if (!Array.isArray(cs)) return false;
  for (const c of cs) {
    if (typeof c !== 'object' || c === null || typeof c.configurationName !== 'string' || !Number.isInteger(c.percent)) return false;
    if (typeof c.stepParams !== 'object' || c.stepParams === null) c.stepParams = {};
    if (c.percent > 100) return false;
    const step = c.stepParams.stepSize ?? 0;
    if (step < 0 || step > c.percent) return false;
    const revs = c.revisions ?? [];
    if (!Array.isArray(revs) || revs.some((r) => typeof r?.revisionName !== 'string' || !Number.isInteger(r.percent))) return false;
    if (revs.reduce((sum, r) => sum + r.percent, 0) !== c.percent) return false;
  }
  return true;
}

/**
 * Once the split with the new revision at 1 % is programmed (ObserveReady): fixes the step size
 * and interval of every rollout that has started but not been timed yet. The time the first 1 %
 * took (at least 1 s) is the shortest step.
 */
export function observeReady(ro: Rollout, now: number, durationSecs: number): void {
  for (const c of ro.configurations ?? []) {
    const p = c.stepParams;
    if (!p.stepDuration && (p.starttime ?? 0) > 0) {
      const minStepSecs = Math.max(1, Math.ceil((now - p.starttime!) / 1000));
      computeStepParams(c, now, minStepSecs, durationSecs);
    }
  }
}

function computeStepParams(c: ConfigurationRollout, now: number, minStepSecs: number, durationSecs: number): void {
  // The first 1 % already used minStepSecs of the duration; at least 1 s remains.
  const remainingSecs = Math.max(1, durationSecs - minStepSecs);
  const remainingPercent = c.percent - 1;
  // No more steps than whole percents left to move.
  const numSteps = Math.min(Math.max(1, remainingSecs / minStepSecs), remainingPercent);
  // Rounded, not truncated: 1.9 -> 1 would nearly double the rollout time.
  const stepSize = Math.round(remainingPercent / numSteps);
  const stepDuration = (remainingSecs / numSteps) * 1000;
  c.stepParams.stepDuration = Math.trunc(stepDuration);
  c.stepParams.stepSize = stepSize;
  c.stepParams.nextStepTime = Math.trunc(now + stepDuration);
}

/**
 * Merges the desired steady state `cur` with the previous state (Step): starts rollouts for
 * configurations whose revision changed, advances those whose next step is due, and follows
 * percent changes. Returns the state to program and when the next step is due (0 = none).
 * Without a previous state nothing rolls: `cur` is returned as is.
 */
export function stepRollout(cur: Rollout, prev: Rollout | undefined, now: number): { rollout: Rollout; nextStepTime: number } {
  if (!prev?.configurations?.length) return { rollout: cur, nextStepTime: 0 };
  prev = structuredClone(prev);
  const byTag = (ro: Rollout) => {
    const m = new Map<string, ConfigurationRollout[]>();
    for (const c of ro.configurations ?? []) {
      const l = m.get(tagOf(c)) ?? [];
      l.push(c);
      m.set(tagOf(c), l);
    }
    return m;
  };
  const prevByTag = byTag(prev);
  const out: ConfigurationRollout[] = [];
  let next = Infinity;
  for (const [tag, curs] of byTag(cur)) {
    const prevs = prevByTag.get(tag);
    // A new tag has nothing to roll from: it gets its revision at once.
    if (!prevs) {
      out.push(curs[0]!);
      continue;
    }
    // Both lists are sorted by configuration name: walk them together.
    for (let i = 0, j = 0; i < curs.length;) {
      const c = curs[i]!;
      const p = prevs[j];
      if (!p) {
        out.push(c);
        i++;
      } else if (c.configurationName === p.configurationName) {
        if (c.percent > 1) {
          const stepped = stepConfiguration(c, p, now);
          out.push(stepped);
          const nst = stepped.stepParams.nextStepTime ?? 0;
          if (nst > 0 && nst < next) next = nst;
        } else if (c.percent === 1) {
          // The usual A/B case of a 1 % canary: nothing to roll.
          out.push(c);
        }
        i++;
        j++;
      } else if (c.configurationName < p.configurationName) {
        if (c.percent !== 0) out.push(c);
        i++;
      } else {
        j++;
      }
    }
  }
  const rollout: Rollout = { configurations: out };
  sortRollout(rollout);
  return { rollout, nextStepTime: next === Infinity ? 0 : next };
}

/** Follows a change of the configuration's total: more goes to the newest revision, less comes from the oldest. */
function adjustPercentage(goal: number, c: ConfigurationRollout): void {
  const revs = c.revisions!;
  const diff = goal - c.percent;
  if (goal === 0) {
    c.revisions = [];
  } else if (diff > 0) {
    revs[revs.length - 1]!.percent += diff;
  } else if (diff < 0) {
    let left = -diff;
    let i = 0;
    while (left > 0 && i < revs.length) {
      if (revs[i]!.percent > left) {
        revs[i]!.percent -= left;
        break;
      }
      left -= revs[i]!.percent;
      i++;
    }
    c.revisions = revs.slice(i);
  }
}

/** One step: `stepSize` percent moves from the older revisions (newest of them first) to the newest. */
function stepRevisions(c: ConfigurationRollout, now: number): void {
  const revs = c.revisions!;
  const p = c.stepParams;
  if (now < (p.nextStepTime ?? 0) || revs.length < 2) return;
  const stepSize = p.stepSize ?? 0;
  const newest = revs[revs.length - 1]!;
  let remaining = stepSize;
  let keep = revs.length - 1; // older revisions that keep some traffic
  for (let k = revs.length - 2; remaining > 0 && k >= 0; k--) {
    if (revs[k]!.percent > remaining) {
      revs[k]!.percent -= remaining;
      break;
    }
    remaining -= revs[k]!.percent;
    keep--;
  }
  // The step may exceed what is left when the configuration's total shrank mid-rollout.
  const moved = { ...newest, percent: Math.min(newest.percent + stepSize, c.percent) };
  c.revisions = [...revs.slice(0, keep), moved];
  if (c.revisions.length > 1) c.stepParams = { ...p, nextStepTime: now + (p.stepDuration ?? 0) };
  else c.stepParams = {};
}

/** stepConfig: the new state of one configuration given its goal (one revision) and its previous state. */
function stepConfiguration(goal: ConfigurationRollout, prev: ConfigurationRollout, now: number): ConfigurationRollout {
  const out: ConfigurationRollout = { configurationName: goal.configurationName, percent: goal.percent, revisions: goal.revisions, stepParams: {} };
  if (goal.tag) out.tag = goal.tag;
  const prevRevs = prev.revisions ?? [];
  if (prevRevs.length > 0) adjustPercentage(goal.percent, prev);
  const adjusted = prev.revisions ?? [];
  const goalRev = goal.revisions![0]!;

  // Shrinking the total only drops the oldest revisions, so the newest is still the last one.
  if (prevRevs.length === 0 || goalRev.revisionName === prevRevs[prevRevs.length - 1]!.revisionName) {
    // No new revision: carry on with the rollout in progress, if any.
    if (adjusted.length > 1) {
      out.revisions = adjusted;
      out.stepParams = prev.stepParams;
      // Not timed yet (the 1 % split is not programmed yet): wait before stepping.
      if ((out.stepParams.stepSize ?? 0) > 0) stepRevisions(out, now);
    }
    return out;
  }

  // A new revision: 1 % comes from the newest previous revision that has traffic.
  out.stepParams = { starttime: now };
  for (let k = adjusted.length - 1; k >= 0; k--) {
    if (adjusted[k]!.percent > 0) {
      adjusted[k]!.percent--;
      break;
    }
  }
  out.revisions = [...adjusted.filter((r) => r.percent > 0), { revisionName: goalRev.revisionName, percent: 1 }];
  return out;
}
