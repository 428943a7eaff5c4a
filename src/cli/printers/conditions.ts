/** kn's condition summaries for list columns (pkg/commands/human_readable_flags.go). */
import type { Condition, KObject } from '../../apis/meta.ts';

export function conditionsOf(obj: KObject): Condition[] {
  return (obj.status?.conditions as Condition[] | undefined) ?? [];
}

/** `3 OK / 4` */
export function conditionsValue(obj: KObject): string {
  const conditions = conditionsOf(obj);
  return `${conditions.filter((c) => c.status === 'True').length} OK / ${conditions.length}`;
}

export function readyStatus(obj: KObject): string {
  return conditionsOf(obj).find((c) => c.type === 'Ready')?.status ?? '<unknown>';
}

export function nonReadyReason(obj: KObject): string {
  const ready = conditionsOf(obj).find((c) => c.type === 'Ready');
  if (!ready) return '<unknown>';
  if (ready.status === 'True') return '';
  return ready.message ? `${ready.reason} : ${ready.message}` : (ready.reason ?? '');
}
