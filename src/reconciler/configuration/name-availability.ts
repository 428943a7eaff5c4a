import type { KObject } from '../../apis/meta.ts';
import { deepEqual } from '../../lib/json.ts';
import type { Informer } from '../../controller/informer.ts';
import { ConfigurationGenerationLabel, isControlledBy } from '../keys.ts';

/**
 * CheckNameAvailability: with a BYO revision name (spec.template.metadata.name), the existing
 * Revision of that name is usable only if this Configuration controls it and it is of the current
 * generation or has the same spec; otherwise the name is taken (conflict).
 */
export function checkNameAvailability(config: KObject, revisions: Informer): { revision?: KObject; conflict: boolean } {
  const name: string | undefined = config.spec?.template?.metadata?.name;
  if (!name) return { conflict: false };
  const rev = revisions.get(config.metadata.namespace!, name);
  if (!rev) return { conflict: false };
  if (!isControlledBy(rev, config)) return { conflict: true };
  if (rev.metadata.labels?.[ConfigurationGenerationLabel] === String(config.metadata.generation)) return { revision: rev, conflict: false };
  if (!deepEqual(config.spec.template.spec, rev.spec)) return { conflict: true };
  return { revision: rev, conflict: false };
}
