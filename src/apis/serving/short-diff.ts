/**
 * A zero-context diff of two JSON values in the spirit of knative.dev/pkg kmp.ShortDiff, used as the
 * details of "Immutable fields changed (-old +new)" and "Saw the following changes without a name
 * change (-old +new)". Paths use Go field names (`.Spec.PodSpec.Containers[0].Image`).
 */
import { isDeepStrictEqual } from 'node:util';
import { REVISION_OWN_FIELDS } from './types.ts';

function goField(key: string): string {
  if (key === 'metadata') return 'ObjectMeta';
  return key.charAt(0).toUpperCase() + key.slice(1);
}

function render(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** The JSON object that inlines a Go PodSpec: its PodSpec fields get a `.PodSpec` step. */
type Shape = 'revisionSpec' | 'template' | 'other';

export function shortDiff(rootType: string, oldV: unknown, newV: unknown, shape: Shape): string {
  const out: string[] = [];
  walk(`{${rootType}}`, oldV, newV, shape, out);
  return out.join('');
}

function walk(path: string, a: unknown, b: unknown, shape: Shape, out: string[]): void {
  if (isDeepStrictEqual(a, b)) return;
  const bothObjects = a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b);
  if (!bothObjects) {
    let d = `${path}:\n`;
    if (a !== undefined) d += `\t-: "${render(a)}"\n`;
    if (b !== undefined) d += `\t+: "${render(b)}"\n`;
    out.push(d);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) walk(`${path}[${i}]`, a[i], b[i], 'other', out);
    return;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(ao), ...Object.keys(bo)])];
  const isMap = path.endsWith('.Annotations') || path.endsWith('.Labels') || path.endsWith('.Limits') || path.endsWith('.Requests');
  for (const k of keys) {
    let step: string;
    let childShape: Shape = 'other';
    if (isMap) step = `[${JSON.stringify(k)}]`;
    else if (shape === 'revisionSpec' && !REVISION_OWN_FIELDS.includes(k)) step = `.PodSpec.${goField(k)}`;
    else step = `.${goField(k)}`;
    if (shape === 'template' && k === 'spec') childShape = 'revisionSpec';
    walk(path + step, ao[k], bo[k], childShape, out);
  }
}
