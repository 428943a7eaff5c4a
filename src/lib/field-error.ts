/**
 * A field-scoped validation diagnostic tree, equivalent to knative.dev/pkg `apis.FieldError`:
 * errors are built at the leaf with relative paths and prefixed on the way up (viaField/viaIndex/
 * viaKey); `text` flattens, merges (same level+message+details) and sorts them exactly as Go's
 * `Error()` does, because users and tests compare Knative's messages verbatim.
 */

export const Level = { Error: 0, Warning: 1 } as const;
export type Level = (typeof Level)[keyof typeof Level];

/** The path to use when the problem is with the current field itself. */
export const CURRENT_FIELD = '';

export class FieldError {
  readonly message: string;
  readonly paths: readonly string[];
  readonly details: string;
  readonly level: Level;
  private readonly children: readonly FieldError[];

  constructor(message: string, paths: readonly string[] = [], details = '', level: Level = Level.Error,
    children: readonly FieldError[] = []) {
    this.message = message;
    this.paths = paths;
    this.details = details;
    this.level = level;
    this.children = children;
  }

  viaField(...prefix: string[]): FieldError {
    const own = new FieldError(this.message, this.paths.map((p) => flatten([...prefix, p])), this.details, this.level);
    return own.also(...this.children.map((c) => c.viaField(...prefix)));
  }

  viaIndex(index: number): FieldError { return this.viaField(`[${index}]`); }
  viaKey(key: string): FieldError { return this.viaField(`[${key}]`); }
  viaFieldIndex(field: string, index: number): FieldError { return this.viaIndex(index).viaField(field); }
  viaFieldKey(field: string, key: string): FieldError { return this.viaKey(key).viaField(field); }

  /** Same diagnostics at another severity. */
  at(level: Level): FieldError {
    const own = new FieldError(this.message, this.paths, this.details, level);
    return own.also(...this.children.map((c) => c.at(level)));
  }

  /** Only the diagnostics of one severity, or undefined when there are none. */
  filter(level: Level): FieldError | undefined {
    let out: FieldError | undefined = level === this.level
      ? new FieldError(this.message, this.paths, this.details, this.level) : undefined;
    for (const c of this.children) out = also(out, c.filter(level));
    return out === undefined || out.isEmpty() ? undefined : out;
  }

  /** A new tree holding this error and the non-empty ones given. */
  also(...errs: (FieldError | undefined | null)[]): FieldError {
    const extra = errs.filter((e): e is FieldError => !!e && !e.isEmpty());
    if (extra.length === 0) return this;
    if (this.isEmpty()) return new FieldError('', [], '', Level.Error, extra);
    return new FieldError(this.message, this.paths, this.details, this.level, [...this.children, ...extra]);
  }

  isEmpty(): boolean {
    return this.message === '' && this.details === '' && this.children.length === 0 && this.paths.length === 0;
  }

  /** Flattened, merged and sorted leaf errors (Go's WrappedErrors). */
  wrappedErrors(): FieldError[] {
    return merge(this.normalized());
  }

  /** Go's `Error()`: one `"<message>: <paths>"` per merged error (details on the next line), newline-joined. */
  get text(): string {
    return this.wrappedErrors().map((e) => {
      const head = `${e.message}: ${e.paths.join(', ')}`;
      return e.details === '' ? head : `${head}\n${e.details}`;
    }).join('\n');
  }

  toString(): string { return this.text; }

  private normalized(): FieldError[] {
    const out: FieldError[] = [];
    if (this.message !== '') out.push(new FieldError(this.message, this.paths, this.details, this.level));
    for (const c of this.children) out.push(...c.normalized());
    return out;
  }
}

/** `a.Also(b...)` where `a` may be nil, as Go allows on a nil receiver. */
export function also(a: FieldError | undefined, ...errs: (FieldError | undefined | null)[]): FieldError | undefined {
  const r = (a ?? new FieldError('')).also(...errs);
  return r.isEmpty() ? undefined : r;
}

function isIndex(part: string): boolean {
  return part.startsWith('[') && part.endsWith(']');
}

/** Joins path parts, gluing index parts to their predecessor: foo.[0].bar → foo[0].bar. */
function flatten(parts: string[]): string {
  const out: string[] = [];
  for (const part of parts) {
    for (const p of part.split('.')) {
      if (p === CURRENT_FIELD) continue;
      if (out.length > 0 && isIndex(p)) out[out.length - 1] += p;
      else out.push(p);
    }
  }
  return out.join('.');
}

function byteCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function merge(errs: FieldError[]): FieldError[] {
  const byKey = new Map<string, { message: string; details: string; level: Level; paths: string[] }>();
  for (const e of errs) {
    const k = `${e.level}-${e.message}-${e.details}`;
    const seen = byKey.get(k);
    if (seen) {
      for (const p of e.paths) if (!seen.paths.includes(p)) seen.paths.push(p);
    } else {
      byKey.set(k, { message: e.message, details: e.details, level: e.level, paths: [...e.paths] });
    }
  }
  const merged = [...byKey.values()].map((v) => new FieldError(v.message, [...v.paths].sort(byteCompare), v.details, v.level));
  return merged.sort((a, b) =>
    a.message !== b.message ? byteCompare(a.message, b.message)
      : a.details !== b.details ? byteCompare(a.details, b.details)
        : a.level - b.level);
}

// Constructors mirroring knative.dev/pkg/apis helpers.

export function errMissingField(...paths: string[]): FieldError {
  return new FieldError('missing field(s)', paths);
}

export function errDisallowedFields(...paths: string[]): FieldError {
  return new FieldError('must not set the field(s)', paths);
}

export function errInvalidValue(value: unknown, path: string, ...details: string[]): FieldError {
  return new FieldError(`invalid value: ${goString(value)}`, [path], details.join(', '));
}

export function errInvalidArrayValue(value: unknown, field: string, index: number): FieldError {
  return errInvalidValue(value, CURRENT_FIELD).viaFieldIndex(field, index);
}

export function errGeneric(message: string, ...paths: string[]): FieldError {
  return new FieldError(message, paths);
}

export function errMissingOneOf(...paths: string[]): FieldError {
  return new FieldError('expected exactly one, got neither', paths);
}

export function errMultipleOneOf(...paths: string[]): FieldError {
  return new FieldError('expected exactly one, got both', paths);
}

export function errInvalidKeyName(key: string, path: string, ...details: string[]): FieldError {
  return new FieldError(`invalid key name ${JSON.stringify(key)}`, [path], details.join(', '));
}

export function errOutOfBoundsValue(value: unknown, lower: unknown, upper: unknown, path: string): FieldError {
  return new FieldError(`expected ${goString(lower)} <= ${goString(value)} <= ${goString(upper)}`, [path]);
}

/** Go's `%v` for the values we print: string slices render as `[a b]`. */
export function goString(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(goString).join(' ')}]`;
  return String(v);
}
