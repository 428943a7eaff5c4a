/**
 * ksrv's global configuration: what Knative keeps in the ConfigMaps config-autoscaler, config-gc,
 * config-network and config-features, here one YAML file, `<dataDir>/config.yaml`, with one section
 * per ConfigMap and Knative's own key names and value syntax:
 *
 *   autoscaler:                 # config-autoscaler
 *     stable-window: 60s
 *     scale-to-zero-grace-period: 30s
 *   gc:                         # config-gc
 *     retain-since-create-time: 48h
 *   network:                    # config-network
 *     rollout-duration: 0
 *   features:                   # config-features
 *     tag-header-based-routing: enabled
 *
 * Every key is optional (Knative's defaults apply). The file is re-read when it changes; a file
 * that does not parse or validate is reported and the previous configuration stays in force.
 * Each section has its own module that parses and validates it (src/config/<section>.ts).
 */
import { existsSync, readFileSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export type SectionName = 'autoscaler' | 'gc' | 'network' | 'features';

/** Parses one section's raw key/value map into its typed form; throws Error with a message naming the key. */
export type SectionParser<T> = (raw: Record<string, unknown>) => T;

export const CONFIG_FILE = 'config.yaml';

export function configPath(dataDir: string): string {
  return join(dataDir, CONFIG_FILE);
}

/** The raw sections of the file (empty maps when the file or a section is absent). */
export function readRawConfig(path: string): Record<SectionName, Record<string, unknown>> {
  const empty = { autoscaler: {}, gc: {}, network: {}, features: {} };
  if (!existsSync(path)) return empty;
  let doc: unknown;
  try {
    doc = parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path}: not valid YAML: ${(err as Error).message}`);
  }
  if (doc === null || doc === undefined) return empty;
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`${path}: expected a map of sections (autoscaler, gc, network, features)`);
  const out: Record<string, Record<string, unknown>> = { ...empty };
  for (const [section, value] of Object.entries(doc as Record<string, unknown>)) {
    if (!(section in empty)) throw new Error(`${path}: unknown section "${section}" (expected autoscaler, gc, network or features)`);
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`${path}: section "${section}" must be a map of keys`);
    out[section] = value as Record<string, unknown>;
  }
  return out as Record<SectionName, Record<string, unknown>>;
}

/**
 * A section of the configuration, kept current: `get()` returns the latest valid value, listeners
 * hear about changes. Parse errors of a reload go to `onError` and keep the previous value.
 */
export class ConfigSection<T> {
  #value: T;
  readonly #listeners: ((value: T) => void)[] = [];

  constructor(readonly name: SectionName, private readonly parser: SectionParser<T>, initialRaw: Record<string, unknown>) {
    this.#value = this.parse(initialRaw);
  }

  get(): T { return this.#value; }

  onChange(listener: (value: T) => void): void { this.#listeners.push(listener); }

  /** Parses a raw section without applying it; throws when it does not validate. */
  parse(raw: Record<string, unknown>): T {
    return parser(this.parser, raw, this.name);
  }

  /** Makes `next` current and tells the listeners, unless nothing changed. */
  set(next: T): void {
    if (JSON.stringify(next) === JSON.stringify(this.#value)) return;
    this.#value = next;
    for (const l of this.#listeners) l(next);
  }
}

function parser<T>(p: SectionParser<T>, raw: Record<string, unknown>, name: string): T {
  try { return p(raw); } catch (err) { throw new Error(`${name}: ${(err as Error).message}`); }
}

/** Watches the config file and re-applies every section when it changes. */
export function watchConfigFile(path: string, sections: ConfigSection<any>[], onError: (err: Error) => void): { close(): void } {
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  const reload = () => {
    try {
      const raw = readRawConfig(path);
      // Validate every section before applying any, so a bad file changes nothing.
      const parsed = sections.map((s) => s.parse(raw[s.name]));
      sections.forEach((s, i) => s.set(parsed[i]));
    } catch (err) {
      onError(err as Error);
    }
  };
  try {
    // Watch the directory: editors replace files by rename, which a file watch would lose.
    watcher = watch(join(path, '..'), (_event, file) => {
      if (file && file.toString() !== CONFIG_FILE) return;
      clearTimeout(timer);
      timer = setTimeout(reload, 50);
    });
  } catch (err) {
    onError(err as Error);
  }
  return { close() { clearTimeout(timer); watcher?.close(); } };
}
