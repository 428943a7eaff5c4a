/**
 * The interface through which whatever runs revisions (the process runtime of a later issue, or the
 * simulated runtime used until then) reports to the control plane. The revision reconciler calls
 * `ensure` with every revision it sees and `remove` when one is deleted; the runtime reports what it
 * observes through `onChange`, and the reconciler maps that onto Knative's Revision conditions.
 */

import type { KObject } from '../apis/meta.ts';

export interface RevisionObservation {
  /** Knative ContainerHealthy: True once an instance became ready; False on a crash / bad image. */
  containerHealthy: { status: 'True' | 'False' | 'Unknown'; reason?: string; message?: string };
  /** Knative ResourcesAvailable. */
  resourcesAvailable: { status: 'True' | 'False' | 'Unknown'; reason?: string; message?: string };
  actualReplicas: number;
  desiredReplicas: number;
  /** One entry per container: resolved image digest (e.g. sha256:...), when known. */
  containerStatuses?: { name: string; imageDigest?: string }[];
}

export interface RevisionRuntime {
  /** Make the runtime converge on this revision's spec and desired instance count. Idempotent. */
  ensure(revision: KObject, desiredInstances: number): Promise<void>;
  /** Stop every instance of a revision and forget it. Idempotent. */
  remove(namespace: string, name: string): Promise<void>;
  /** Latest observation, if the runtime knows the revision. */
  observe(namespace: string, name: string): RevisionObservation | undefined;
  /** Called whenever an observation changes; the revision reconciler enqueues the revision. */
  onChange(listener: (namespace: string, name: string) => void): void;
  close(): Promise<void>;
}
