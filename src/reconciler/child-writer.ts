/**
 * Creates or updates a child object so that its spec, labels and annotations match what its parent
 * wants, leaving the rest (status, other metadata) alone. Remembers what it last wrote so that
 * server-side defaulting that makes the stored object differ from the desired one cannot cause an
 * endless update loop.
 */

import type { KObject } from '../apis/meta.ts';
import type { ResourceType } from '../apis/resources.ts';
import type { Client } from '../client/client.ts';
import { deepEqual, mapsEqual } from '../lib/json.ts';

export function semanticEquals(desired: KObject, existing: KObject): boolean {
  return deepEqual(desired.spec, existing.spec)
    && mapsEqual(desired.metadata.labels, existing.metadata.labels)
    && mapsEqual(desired.metadata.annotations, existing.metadata.annotations);
}

export class ChildWriter {
  private readonly memo = new Map<string, { desired: string; rv: string }>();

  constructor(private readonly client: Client, private readonly type: ResourceType) {}

  /** Returns the stored child after making it match `desired` (no write if it already does). */
  async reconcile(existing: KObject, desired: KObject): Promise<KObject> {
    if (semanticEquals(desired, existing)) return existing;
    const key = `${existing.metadata.namespace}/${existing.metadata.name}`;
    const desiredJson = JSON.stringify([desired.spec, desired.metadata.labels, desired.metadata.annotations]);
    const m = this.memo.get(key);
    if (m && m.desired === desiredJson && m.rv === existing.metadata.resourceVersion) return existing;
    const next: KObject = {
      ...existing,
      metadata: { ...existing.metadata, labels: desired.metadata.labels, annotations: desired.metadata.annotations },
      spec: desired.spec,
    };
    const { object } = await this.client.update(this.type, next);
    this.memo.set(key, { desired: desiredJson, rv: object.metadata.resourceVersion ?? '' });
    if (this.memo.size > 50_000) this.memo.delete(this.memo.keys().next().value!);
    return object;
  }

  forget(namespace: string, name: string): void {
    this.memo.delete(`${namespace}/${name}`);
  }
}
