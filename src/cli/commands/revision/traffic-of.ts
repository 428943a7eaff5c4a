/** What the services' `status.traffic` gives each revision: its percent and its tags (kn's revision list). */
import type { KObject } from '../../../apis/meta.ts';
import type { TrafficTarget } from '../../../apis/serving/types.ts';

export interface RevisionTraffic { percent: number; tags: string[]; routed: boolean }

export function revisionTraffic(services: KObject[]): Map<string, RevisionTraffic> {
  const out = new Map<string, RevisionTraffic>();
  for (const svc of services) {
    for (const t of (svc.status?.traffic as TrafficTarget[] | undefined) ?? []) {
      if (!t.revisionName) continue;
      const key = `${svc.metadata.name}/${t.revisionName}`;
      const entry = out.get(key) ?? { percent: 0, tags: [], routed: false };
      entry.percent += t.percent ?? 0;
      entry.routed = true;
      if (t.tag) entry.tags.push(t.tag);
      out.set(key, entry);
    }
  }
  return out;
}

export function serviceOf(rev: KObject): string {
  return rev.metadata.labels?.['serving.knative.dev/service'] ?? '';
}

export function generationOf(rev: KObject): number {
  return Number(rev.metadata.labels?.['serving.knative.dev/configurationGeneration'] ?? 0);
}

/** kn's order: by service, newest generation first. */
export function sortRevisions(revs: KObject[]): KObject[] {
  return [...revs].sort((a, b) => serviceOf(a).localeCompare(serviceOf(b)) || generationOf(b) - generationOf(a) || a.metadata.name!.localeCompare(b.metadata.name!));
}
