/** Equality-based label matching, the only kind controllers need from their caches. */

export function matchesLabels(labels: Record<string, string> | undefined, want: Record<string, string> | undefined): boolean {
  if (!want) return true;
  for (const [k, v] of Object.entries(want)) {
    if (!labels || labels[k] !== v) return false;
  }
  return true;
}
