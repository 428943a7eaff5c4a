/**
 * kn's traffic computation (knative/client pkg/traffic/compute.go), as a pure function: the new
 * `spec.traffic` of a Service from its current traffic and the `--untag`/`--tag`/`--traffic` flags.
 * Precedence: untag, then tag (`@latest` first in flag order, as kn), then the percentages; targets
 * left with neither a tag nor a percent are dropped. Error texts are kn's.
 */
import type { TrafficTarget } from '../../apis/serving/types.ts';
import { LATEST_REF, splitRef, TrafficFlagError, type TrafficFlags } from './flags.ts';

export interface TrafficInput {
  serviceName: string;
  /** `spec.traffic` as stored; empty means the server default (100 % to the latest revision). */
  specTraffic: TrafficTarget[] | undefined;
  /** `status.traffic`: kn counts these targets to decide where an unassigned remainder goes. */
  statusTraffic: TrafficTarget[] | undefined;
  latestReadyRevisionName: string | undefined;
  /** Names of the service's existing revisions. */
  revisions: string[];
  flags: TrafficFlags;
  /** The command also changes the template, so a new revision will become `@latest`. */
  mutation: boolean;
  /** `service create` applies `@latest=100` whenever tags are given. */
  creating: boolean;
}

export function isLatestTarget(t: TrafficTarget): boolean {
  return t.latestRevision === true || (t.latestRevision == null && !t.revisionName);
}

function newTarget(tag: string, revisionName: string, percent: number, latest: boolean): TrafficTarget {
  const t: TrafficTarget = latest ? { tag, latestRevision: true, percent } : { tag, revisionName, latestRevision: false, percent };
  return t;
}

function repetitionError(flag: string, ref: string): TrafficFlagError {
  const what = ref === LATEST_REF ? `identifier ${LATEST_REF}` : `revision reference ${ref}`;
  return new TrafficFlagError(`repetition of ${what} is not allowed, use only once with ${flag} flag`);
}

function distributionError(sum: number, reason: 'count' | 'notFound'): TrafficFlagError {
  const why = reason === 'count'
    ? 'incorrect number of revisions specified. Only 1 revision should be missing'
    : 'cannot determine the missing revision';
  return new TrafficFlagError(`unable to allocate the remaining traffic: ${100 - sum}%. Reason: ${why}`);
}

/** Go's strconv.Atoi: optional sign and decimal digits only. */
function parsePercent(text: string): number {
  if (!/^[+-]?\d+$/.test(text)) {
    throw new TrafficFlagError(`error converting given ${text} to integer value for traffic distribution`);
  }
  const n = Number.parseInt(text, 10);
  if (n < 0 || n > 100) throw new TrafficFlagError(`invalid value for traffic percent ${n}, expected 0 <= percent <= 100`);
  return n;
}

/**
 * kn's verifyInput: checks the flags and returns the `--traffic` entries to apply, with the
 * remainder (when the given percents sum below 100) assigned to the one revision left out.
 */
export function verifyTrafficFlags(input: TrafficInput, percentages: string[]): string[] {
  const { flags } = input;
  let latestTagged = false;
  for (const entry of flags.tags) {
    const { ref } = splitRef(entry);
    if (ref === LATEST_REF) {
      if (latestTagged) throw repetitionError('--tag', LATEST_REF);
      latestTagged = true;
    }
  }

  const refs = new Map<string, number>();
  let sum = 0;
  percentages.forEach((entry, i) => {
    const { ref, value } = splitRef(entry);
    if (refs.has(ref)) throw repetitionError('--traffic', ref);
    refs.set(ref, i);
    sum += parsePercent(value);
  });

  if (sum === 100) return percentages;
  if (sum > 100) throw new TrafficFlagError(`given traffic percents sum to ${sum}, want <=100`);
  if (percentages.length === 0) return percentages;

  const existing = input.statusTraffic ?? [];
  const given = percentages.length;
  if (given < existing.length - 1) throw distributionError(sum, 'count');
  if (input.mutation) {
    if (given !== existing.length) throw distributionError(sum, 'count');
    // The new revision is the one left out: the remainder can only go to @latest.
    if (!refs.has(LATEST_REF)) return [...percentages, `${LATEST_REF}=${100 - sum}`];
  } else {
    if (given !== existing.length - 1) throw distributionError(sum, 'count');
    if (refs.has(LATEST_REF) && input.latestReadyRevisionName) refs.set(input.latestReadyRevisionName, 0);
  }

  const known = new Set(input.revisions);
  for (const target of existing) {
    const rev = target.revisionName;
    if (!rev || !known.has(rev)) break;
    const tags = existing.filter((t) => t.revisionName === rev && t.tag).map((t) => t.tag!);
    if (!refs.has(rev) && !tags.some((tag) => refs.has(tag))) return [...percentages, `${rev}=${100 - sum}`];
  }
  throw distributionError(sum, 'notFound');
}

/** The new `spec.traffic`. Throws TrafficFlagError with kn's messages. */
export function computeTraffic(input: TrafficInput): TrafficTarget[] {
  const { flags } = input;
  const percentages = verifyTrafficFlags(input, input.creating && flags.tags.length > 0 ? [`${LATEST_REF}=100`] : flags.traffic);
  const current = input.specTraffic && input.specTraffic.length > 0 ? input.specTraffic : [{ latestRevision: true, percent: 100 }];
  let traffic: TrafficTarget[] = current.map((t) => ({ ...t }));

  const missing = flags.untags.filter((tag) => {
    const target = traffic.find((t) => t.tag === tag);
    if (target) target.tag = '';
    return !target;
  });
  if (missing.length > 0) {
    throw new TrafficFlagError(`tag(s) ${missing.join(', ')} not present for any revisions of service ${input.serviceName}`);
  }

  const tagPresent = (tag: string) => traffic.some((t) => t.tag === tag);
  const overwriteError = (tag: string) =>
    new TrafficFlagError(`refusing to overwrite existing tag in service, add flag '--untag ${tag}' in command to untag it`);

  for (const entry of flags.tags) {
    const { ref, value: tag } = splitRef(entry);
    if (ref === LATEST_REF) {
      const latest = traffic.find(isLatestTarget);
      const existingTag = latest?.tag ?? '';
      if (existingTag === tag) continue;
      if (tagPresent(tag)) throw overwriteError(tag);
      if (existingTag !== '') {
        throw new TrafficFlagError(`tag '${existingTag}' exists on latest ready revision of service, refusing to overwrite existing tag with '${tag}', add flag '--untag ${existingTag}' in command to untag it`);
      }
      if (latest) latest.tag = tag;
      else traffic.push(newTarget(tag, '', 0, true));
      continue;
    }
    if (traffic.some((t) => t.tag === tag && t.revisionName === ref)) continue;
    if (tagPresent(tag)) throw overwriteError(tag);
    // An untagged target of the revision takes the tag; a revision that already has a tag gets a second target.
    const target = traffic.find((t) => t.revisionName === ref);
    if (target && !target.tag) target.tag = tag;
    else traffic.push(newTarget(tag, ref, 0, false));
  }

  if (flags.traffic.length > 0 || (input.creating && flags.tags.length > 0)) {
    for (const t of traffic) t.percent = 0;
    for (const entry of percentages) {
      const { ref, value } = splitRef(entry);
      const percent = Number.parseInt(value, 10);
      if (ref === LATEST_REF) {
        const latest = traffic.find(isLatestTarget);
        if (latest) latest.percent = percent;
        else traffic.push(newTarget('', '', percent, true));
        continue;
      }
      // A tag wins over a revision of the same name: tags are unique.
      const target = traffic.find((t) => t.tag === ref) ?? traffic.find((t) => t.revisionName === ref);
      if (target) target.percent = percent;
      else traffic.push(newTarget('', ref, percent, false));
    }
  }

  traffic = traffic.filter((t) => (t.tag ?? '') !== '' || (t.percent ?? 0) !== 0);
  for (const t of traffic) if (t.tag === '') delete t.tag;
  return traffic;
}

/**
 * ksrv's addition to kn: revisions named in `--tag`/`--traffic` must exist (or be the revision
 * this command creates), so a typo fails before the Service is changed, in Knative's words.
 */
export function checkReferencedRevisions(flags: TrafficFlags, traffic: TrafficTarget[], revisions: string[], newRevision?: string): void {
  const known = new Set(revisions);
  if (newRevision) known.add(newRevision);
  const tags = new Set(traffic.map((t) => t.tag).filter(Boolean));
  const refs = [
    ...flags.tags.map((e) => splitRef(e).ref),
    ...flags.traffic.map((e) => splitRef(e).ref).filter((ref) => !tags.has(ref)),
  ];
  for (const ref of refs) {
    if (ref !== LATEST_REF && !known.has(ref)) throw new TrafficFlagError(`Revision "${ref}" referenced in traffic not found.`);
  }
}
