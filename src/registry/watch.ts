/**
 * A Client watch over a Store watch: replay-from-list for resourceVersion 0, namespace + selector
 * filtering per event, selector transitions (an object that stops matching is sent as DELETED, one
 * that starts matching as ADDED), and the 410 Expired ERROR event for a too-old cursor.
 */
import type { KObject } from '../apis/meta.ts';
import type { ResourceType } from '../apis/resources.ts';
import type { ClientWatch, ClientWatchEvent, WatchQuery } from '../client/client.ts';
import { errors } from '../lib/errors.ts';
import { StoreError, type Store, type StoreEvent, type Watch } from '../store/store.ts';
import type { ObjectFilter } from './object-filter.ts';

export interface WatchRequest {
  store: Store;
  type: ResourceType;
  query: WatchQuery;
  filter: ObjectFilter;
  /** The object as it was before the write that produced `resourceVersion`, when still remembered. */
  previousOf: (resourceVersion: string) => KObject | undefined;
  onEvent: (ev: ClientWatchEvent) => void;
  onEnd?: () => void;
}

export function byNamespaceAndName(a: KObject, b: KObject): number {
  const an = a.metadata.namespace ?? '';
  const bn = b.metadata.namespace ?? '';
  if (an !== bn) return an < bn ? -1 : 1;
  const a1 = a.metadata.name ?? '';
  const b1 = b.metadata.name ?? '';
  return a1 < b1 ? -1 : a1 > b1 ? 1 : 0;
}

const keyOf = (o: KObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

export async function startWatch(req: WatchRequest): Promise<ClientWatch> {
  const { store, type, query, filter, onEvent } = req;
  const res = { group: type.group, resource: type.plural };
  const namespace = type.namespaced && query.namespace ? query.namespace : undefined;

  let replay: KObject[] = [];
  let from = query.resourceVersion;
  if (!from || from === '0') {
    const listed = await store.list(res, { namespace });
    replay = listed.items.filter((o) => filter.matches(o)).sort(byNamespaceAndName);
    from = listed.resourceVersion;
  }
  // Keys of objects this watcher last reported as present; the fallback when previousOf has forgotten.
  const matching = new Set(replay.map(keyOf));

  let stopped = false;
  let replayed = false;
  const pending: StoreEvent[] = [];

  const emit = (type: ClientWatchEvent['type'], object: KObject) => { if (!stopped) onEvent({ type, object }); };

  const handle = (ev: StoreEvent) => {
    const obj = ev.object;
    const key = keyOf(obj);
    const nowMatches = filter.matches(obj);
    if (ev.type === 'ADDED') {
      if (nowMatches) { matching.add(key); emit('ADDED', obj); }
      return;
    }
    if (ev.type === 'DELETED') {
      const was = nowMatches || matching.has(key);
      matching.delete(key);
      if (was) emit('DELETED', obj);
      return;
    }
    if (filter.everything) { matching.add(key); emit('MODIFIED', obj); return; }
    const prev = req.previousOf(ev.resourceVersion);
    const wasMatching = prev ? filter.matches(prev) : matching.has(key);
    if (nowMatches) {
      matching.add(key);
      emit(wasMatching ? 'MODIFIED' : 'ADDED', obj);
    } else {
      matching.delete(key);
      if (wasMatching) emit('DELETED', obj);
    }
  };

  let storeWatch: Watch;
  try {
    storeWatch = await store.watch(res, { namespace, fromResourceVersion: from }, (ev) => {
      if (stopped) return;
      if (!replayed) pending.push(ev);
      else handle(ev);
    });
  } catch (e) {
    if (!StoreError.is(e, 'Gone')) throw e;
    const message = e.message.startsWith('too old resource version')
      ? e.message
      : `too old resource version: ${from} (${e.currentResourceVersion ?? (await store.currentResourceVersion())})`;
    const status = errors.gone(message).toStatus() as unknown as KObject;
    setImmediate(() => {
      if (stopped) return;
      onEvent({ type: 'ERROR', object: status });
      req.onEnd?.();
    });
    return { stop: () => { stopped = true; } };
  }

  // Deliver only after the caller holds the handle, so it may stop() from inside onEvent.
  setImmediate(() => {
    for (const obj of replay) emit('ADDED', obj);
    replayed = true;
    for (const ev of pending.splice(0)) if (!stopped) handle(ev);
  });

  return {
    stop: () => {
      if (stopped) return;
      stopped = true;
      storeWatch.stop();
    },
  };
}
