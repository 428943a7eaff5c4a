/** Building blocks of kn-style `describe` output: aligned key/value lines and the conditions table. */
import type { KObject } from '../../apis/meta.ts';
import type { TrafficTarget } from '../../apis/serving/types.ts';
import { age } from './age.ts';
import type { Palette } from './colour.ts';
import { conditionsOf } from './conditions.ts';

/** `Key:   value` lines with the values aligned; empty values are left out. */
export function keyValues(pairs: [string, string | undefined][], indent = ''): string {
  const shown = pairs.filter(([, v]) => v !== undefined && v !== '');
  const width = Math.max(0, ...shown.map(([k]) => k.length + 1));
  return shown.map(([k, v]) => `${indent}${`${k}:`.padEnd(width)}  ${v}\n`).join('');
}

/** Name, namespace, labels, annotations, age, then `extra` lines, all aligned together. */
export function metadataSection(obj: KObject, extra: [string, string | undefined][] = []): string {
  const labels = Object.entries(obj.metadata.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(', ');
  const annotations = Object.entries(obj.metadata.annotations ?? {})
    .filter(([k]) => !k.startsWith('kubectl.kubernetes.io/'))
    .map(([k, v]) => `${k}=${v}`).join(', ');
  return keyValues([
    ['Name', obj.metadata.name],
    ['Namespace', obj.metadata.namespace],
    ['Labels', labels],
    ['Annotations', annotations],
    ['Age', age(obj.metadata.creationTimestamp)],
    ...extra,
  ]);
}

/** kn's conditions block: `++` true, `!!` false (error), `W` false (warning), `??` unknown. */
export function conditionsSection(obj: KObject, colour: Palette): string {
  // kn lists Ready first, the others alphabetically.
  const conditions = [...conditionsOf(obj)].sort((a, b) => (a.type === 'Ready' ? -1 : b.type === 'Ready' ? 1 : a.type.localeCompare(b.type)));
  if (conditions.length === 0) return '';
  const typeWidth = Math.max(22, ...conditions.map((c) => c.type.length + 1));
  const lines = [`Conditions:\n  OK ${'TYPE'.padEnd(typeWidth)} AGE REASON\n`];
  for (const c of conditions) {
    const ok = c.status === 'True' ? colour.green('++') : c.status === 'False' ? (c.severity === 'Warning' ? colour.yellow(' W') : colour.red('!!')) : colour.yellow('??');
    const reason = c.status === 'True' ? '' : [c.reason, c.message].filter(Boolean).join(' ');
    lines.push(`  ${ok} ${c.type.padEnd(typeWidth)} ${age(c.lastTransitionTime).padStart(3)} ${reason}`.trimEnd() + '\n');
  }
  return lines.join('');
}

/** `  50%  name #tag` lines of a traffic block; `@latest (rev)` for latest-following targets. */
export function trafficTargetLabel(t: TrafficTarget): string {
  const name = t.latestRevision ? `@latest (${t.revisionName ?? ''})` : (t.revisionName ?? '');
  return `${name}${t.tag ? ` #${t.tag}` : ''}`;
}

export function percentLabel(t: TrafficTarget): string {
  return `${t.percent ?? 0}%`.padStart(4);
}
