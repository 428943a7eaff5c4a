import type { KObject, OwnerReference } from '../apis/meta.ts';

/** kmeta.NewControllerRef: the owner reference a parent puts on the children it controls. */
export function controllerRef(owner: KObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion.startsWith('serving.knative.dev/') ? 'serving.knative.dev/v1' : owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name!,
    uid: owner.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}
