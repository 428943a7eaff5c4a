/**
 * A Client wrapper for controllers: after each successful write it tells the informer of that type
 * which resourceVersion to wait for, so `idle()` can tell "nothing to do" from "the watch event
 * of my own write is still on its way".
 */

import type { KObject } from '../apis/meta.ts';
import type { ResourceType } from '../apis/resources.ts';
import type {
  Client, ClientWatch, ClientWatchEvent, DeleteOptions, ListQuery, ListResponse, PatchType, WatchQuery,
  WriteOptions, WriteResult,
} from '../client/client.ts';
import type { Informer } from './informer.ts';

export class TrackingClient implements Client {
  private readonly informers = new Map<string, Informer>();

  constructor(private readonly inner: Client) {}

  track(informer: Informer): void {
    this.informers.set(informer.type.plural + '.' + informer.type.group, informer);
  }

  private informerFor(type: ResourceType): Informer | undefined {
    return this.informers.get(type.plural + '.' + type.group);
  }

  private note(type: ResourceType, obj: KObject, deleted: boolean): void {
    this.informerFor(type)?.expect(obj.metadata.namespace, obj.metadata.name!, obj.metadata.resourceVersion, deleted);
  }

  private async write(type: ResourceType, p: Promise<WriteResult>, opts?: WriteOptions): Promise<WriteResult> {
    const r = await p;
    if (!opts?.dryRun) this.note(type, r.object, false);
    return r;
  }

  get(type: ResourceType, namespace: string, name: string): Promise<KObject> {
    return this.inner.get(type, namespace, name);
  }
  list(type: ResourceType, query?: ListQuery): Promise<ListResponse> {
    return this.inner.list(type, query);
  }
  watch(type: ResourceType, query: WatchQuery, onEvent: (ev: ClientWatchEvent) => void, onEnd?: () => void): Promise<ClientWatch> {
    return this.inner.watch(type, query, onEvent, onEnd);
  }
  create(type: ResourceType, obj: KObject, opts?: WriteOptions): Promise<WriteResult> {
    return this.write(type, this.inner.create(type, obj, opts), opts);
  }
  update(type: ResourceType, obj: KObject, opts?: WriteOptions): Promise<WriteResult> {
    return this.write(type, this.inner.update(type, obj, opts), opts);
  }
  updateStatus(type: ResourceType, obj: KObject, opts?: WriteOptions): Promise<WriteResult> {
    return this.write(type, this.inner.updateStatus(type, obj, opts), opts);
  }
  patch(type: ResourceType, namespace: string, name: string, patchType: PatchType, patch: unknown,
    opts?: WriteOptions & { subresource?: 'status' }): Promise<WriteResult> {
    return this.write(type, this.inner.patch(type, namespace, name, patchType, patch, opts), opts);
  }
  async delete(type: ResourceType, namespace: string, name: string, opts?: DeleteOptions): Promise<KObject> {
    const obj = await this.inner.delete(type, namespace, name, opts);
    // With finalizers a delete only sets deletionTimestamp; either way an event follows.
    if (!opts?.dryRun) this.note(type, obj, !obj.metadata.deletionTimestamp || !obj.metadata.finalizers?.length);
    return obj;
  }
  deleteCollection(type: ResourceType, query: ListQuery, opts?: DeleteOptions): Promise<KObject[]> {
    return this.inner.deleteCollection(type, query, opts);
  }
}
