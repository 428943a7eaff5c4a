/**
 * Owner-reference garbage collection, as Kubernetes' garbage collector does it for immediate
 * deletes: once an object is gone, every object listing it in metadata.ownerReferences is deleted
 * too (recursively), or, with propagationPolicy Orphan, keeps living without that reference.
 * A dependent that still has another owner which exists only loses the reference to the gone one.
 * Deleting a Namespace deletes everything in it.
 *
 * Work runs in the background (promptly, one batch at a time); `idle()` resolves once the queue is
 * drained, which tests and shutdown use. Deletions found together are handled with one scan per
 * resource type, so a cascade over a few thousand objects stays cheap.
 */
import type { KObject, OwnerReference } from '../apis/meta.ts';
import { ALL_TYPES, typeForKind, type ResourceType } from '../apis/resources.ts';

export type Propagation = 'Background' | 'Foreground' | 'Orphan';

/** What the collector needs from the registry. */
export interface GcHost {
  list(type: ResourceType, namespace?: string): Promise<KObject[]>;
  get(type: ResourceType, namespace: string, name: string): Promise<KObject | undefined>;
  /** Deletes `obj` (whatever its resourceVersion now) and reports it back through `collect`. */
  remove(type: ResourceType, obj: KObject): Promise<void>;
  /** Removes the ownerReferences with these uids from `obj` (retrying on conflicts). */
  dropOwners(type: ResourceType, obj: KObject, uids: Set<string>): Promise<void>;
}

interface Deleted { type: ResourceType; obj: KObject; policy: Propagation }

export class GarbageCollector {
  private queue: Deleted[] = [];
  private running: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly host: GcHost, private readonly onError: (err: unknown) => void = () => {}) {}

  /** Called after an object was deleted from the store. */
  collect(type: ResourceType, obj: KObject, policy: Propagation = 'Background'): void {
    if (this.closed) return;
    this.queue.push({ type, obj, policy });
    this.kick();
  }

  private kick(): void {
    if (this.running || this.closed) return;
    this.running = (async () => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      try {
        await this.drain();
      } catch (e) {
        this.onError(e);
      }
    })().finally(() => {
      this.running = undefined;
      // Something may have been queued after drain() saw an empty queue.
      if (this.queue.length) this.kick();
    });
  }

  /** Resolves once no deletion is waiting to be propagated. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  close(): void {
    this.closed = true;
    this.queue = [];
  }

  private async drain(): Promise<void> {
    while (this.queue.length && !this.closed) {
      const batch = this.queue.splice(0);
      for (const d of batch) {
        if (d.type.group === '' && d.type.kind === 'Namespace' && d.policy !== 'Orphan') {
          await this.emptyNamespace(d.obj.metadata.name!);
        }
      }
      await this.propagate(batch);
    }
  }

  private async emptyNamespace(namespace: string): Promise<void> {
    for (const type of ALL_TYPES) {
      if (!type.namespaced) continue;
      for (const obj of await this.host.list(type, namespace)) await this.attempt(() => this.host.remove(type, obj));
    }
  }

  private async propagate(batch: Deleted[]): Promise<void> {
    const cascade = new Set<string>();
    const orphan = new Set<string>();
    for (const d of batch) {
      const uid = d.obj.metadata.uid;
      if (uid) (d.policy === 'Orphan' ? orphan : cascade).add(uid);
    }
    if (cascade.size === 0 && orphan.size === 0) return;
    const gone = new Set([...cascade, ...orphan]);
    for (const type of ALL_TYPES) {
      for (const obj of await this.host.list(type)) {
        const refs = obj.metadata.ownerReferences ?? [];
        if (!refs.some((r) => gone.has(r.uid))) continue;
        await this.attempt(async () => {
          const others = refs.filter((r) => !gone.has(r.uid));
          const cascaded = refs.some((r) => cascade.has(r.uid));
          if (cascaded && !(await this.anyOwnerExists(others, obj.metadata.namespace))) {
            await this.host.remove(type, obj);
          } else {
            await this.host.dropOwners(type, obj, new Set(refs.filter((r) => gone.has(r.uid)).map((r) => r.uid)));
          }
        });
      }
    }
  }

  private async anyOwnerExists(refs: OwnerReference[], namespace: string | undefined): Promise<boolean> {
    for (const ref of refs) {
      const slash = ref.apiVersion.indexOf('/');
      const group = slash < 0 ? '' : ref.apiVersion.slice(0, slash);
      const type = typeForKind(group, ref.kind);
      if (!type) continue;
      const owner = await this.host.get(type, type.namespaced ? namespace ?? '' : '', ref.name);
      if (owner && owner.metadata.uid === ref.uid) return true;
    }
    return false;
  }

  private async attempt(fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (e) {
      this.onError(e);
    }
  }
}
