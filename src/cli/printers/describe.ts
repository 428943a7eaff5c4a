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

/**
 * kubectl describe's Events block, oldest first: `Age` is the last occurrence, with
 * `(xN over AGE)` for repeats; `Events:  <none>` when there are none.
 */
export function eventsSection(events: KObject[], now = Date.now()): string {
  if (events.length === 0) return 'Events:  <none>\n';
  const lastSeen = (e: any) => e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp;
  const sorted = [...events].sort((a, b) => String(lastSeen(a)).localeCompare(String(lastSeen(b))));
  const rows = sorted.map((e: any) => {
    const count = Number(e.count ?? 1);
    const when = count > 1 ? `${age(lastSeen(e), now)} (x${count} over ${age(e.firstTimestamp ?? lastSeen(e), now)})` : age(lastSeen(e), now);
    const from = [e.source?.component ?? e.reportingComponent, e.source?.host].filter(Boolean).join(', ');
    return [e.type ?? '', e.reason ?? '', when, from, String(e.message ?? '').trim()];
  });
  const headers = ['Type', 'Reason', 'Age', 'From', 'Message'];
  const table = [headers, ['----', '------', '----', '----', '-------'], ...rows];
  const widths = headers.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  const lines = table.map((r) => `  ${r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]! + 2))).join('')}`.trimEnd());
  return `Events:\n${lines.join('\n')}\n`;
}
