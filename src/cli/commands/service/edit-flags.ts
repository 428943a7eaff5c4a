/**
 * kn's revision-template flags (configuration_edit_flags.go) as a pure function over a Service:
 * `--image --env --port --revision-name --scale-min/max/target --concurrency-limit --timeout
 * --annotation`. Any of them is a mutation: the template changes, so a new revision follows.
 */
import { randomInt } from 'node:crypto';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Container, Service } from '../../../apis/serving/types.ts';

export interface EditFlags {
  image?: string;
  env?: string[];
  port?: string;
  revisionName?: string;
  scaleMin?: number;
  scaleMax?: number;
  scaleTarget?: number;
  concurrencyLimit?: number;
  timeout?: number;
  annotation?: string[];
}

export const UPDATE_TIMESTAMP_ANNOTATION = 'client.knative.dev/updateTimestamp';
export const USER_IMAGE_ANNOTATION = 'client.knative.dev/user-image';
const AUTOSCALING_PREFIX = 'autoscaling.knative.dev/';

export function parseNonNegativeInt(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a non-negative integer');
  return Number.parseInt(value, 10);
}

function collectArray(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function addEditOptions(cmd: Command): Command {
  return cmd
    .option('--image <image>', 'image to run')
    .option('-e, --env <NAME=value>', 'environment variable to set; NAME- removes it (repeatable)', collectArray)
    .option('-p, --port <[name:]port>', 'port the container listens on, optionally named (h2c:8080)')
    .option('--revision-name <name>', 'name of the new revision, prefixed with "SERVICE-" when it is not; accepts {{.Service}}, {{.Generation}}, {{.Random n}}')
    .addOption(new Option('--scale-min <n>', 'minimum number of replicas').argParser(parseNonNegativeInt))
    .addOption(new Option('--scale-max <n>', 'maximum number of replicas').argParser(parseNonNegativeInt))
    .addOption(new Option('--scale-target <n>', 'concurrency the autoscaler aims for per replica').argParser(parseNonNegativeInt))
    .addOption(new Option('--concurrency-limit <n>', 'hard limit of concurrent requests per replica').argParser(parseNonNegativeInt))
    .addOption(new Option('--timeout <seconds>', 'how long a request may take before it is cut').argParser(parseNonNegativeInt))
    .option('-a, --annotation <key=value>', 'annotation of the service and its revisions; key- removes it (repeatable)', collectArray);
}

export function anyMutation(f: EditFlags): boolean {
  return [f.image, f.env, f.port, f.revisionName, f.scaleMin, f.scaleMax, f.scaleTarget, f.concurrencyLimit, f.timeout, f.annotation]
    .some((v) => v !== undefined);
}

/** `KEY=VALUE` → set, `KEY-` → remove (kn's MapFromArrayAllowingSingles + ParseMinusSuffix). */
export function parseKeyValues(entries: string[], flag: string): { set: Map<string, string>; remove: string[] } {
  const set = new Map<string, string>();
  const remove: string[] = [];
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq > 0) set.set(entry.slice(0, eq), entry.slice(eq + 1));
    else if (eq < 0 && entry.endsWith('-') && entry.length > 1) remove.push(entry.slice(0, -1));
    else throw new Error(`Invalid ${flag}: argument requires a value that contains the '=' character; got "${entry}"`);
  }
  return { set, remove };
}

/** kn's GenerateRevisionName: a small Go-template subset, and the `SERVICE-` prefix. */
export function generateRevisionName(template: string, serviceName: string, generation: number, random = randomConsonants): string {
  const name = template
    .replace(/\{\{\s*\.Service\s*\}\}/g, serviceName)
    .replace(/\{\{\s*\.Generation\s*\}\}/g, String(generation))
    .replace(/\{\{\s*\.Random\s+(\d+)\s*\}\}/g, (_m, n: string) => random(Number(n)));
  if (/\{\{/.test(name)) throw new Error(`Invalid --revision-name: unsupported template in "${template}"`);
  if (name === '') return '';
  return name.startsWith(`${serviceName}-`) ? name : `${serviceName}-${name}`;
}

function randomConsonants(n: number): string {
  const letters = 'bcdfghjklmnpqrstvwxz';
  return Array.from({ length: n }, () => letters[randomInt(letters.length)]).join('');
}

function updateMap(target: Record<string, string>, set: Map<string, string>, remove: string[], filter: (key: string) => boolean = () => true): void {
  for (const [k, v] of set) if (filter(k)) target[k] = v;
  for (const k of remove) delete target[k];
}

/** Applies the flags to `service` in place. `now` stamps the update so even an identical template makes a revision. */
export function applyEditFlags(service: Service, f: EditFlags, now = new Date()): void {
  const spec = (service.spec ??= {});
  const template = (spec.template ??= {});
  const tmeta = (template.metadata ??= {});
  const rspec = (template.spec ??= {});
  const containers = (rspec.containers ??= []);
  const container: Container = (containers[0] ??= {});

  if (f.image !== undefined) {
    container.image = f.image;
    (tmeta.annotations ??= {})[USER_IMAGE_ANNOTATION] = f.image;
  }
  if (f.env !== undefined) {
    const { set, remove } = parseKeyValues(f.env, '--env');
    const env = (container.env ?? []).filter((e) => !remove.includes(e.name ?? ''));
    for (const [name, value] of set) {
      const existing = env.find((e) => e.name === name);
      if (existing) {
        existing.value = value;
        delete existing.valueFrom;
      } else {
        env.push({ name, value });
      }
    }
    container.env = env;
    if (container.env.length === 0) delete container.env;
  }
  if (f.port !== undefined) {
    const m = /^(?:([a-z0-9]+):)?(\d+)$/.exec(f.port);
    if (!m) throw new Error(`Invalid --port: expected PORT or NAME:PORT, got "${f.port}"`);
    container.ports = [{ containerPort: Number(m[2]), ...(m[1] ? { name: m[1] } : {}) }];
  }
  const autoscaling: [number | undefined, string][] = [[f.scaleMin, 'min-scale'], [f.scaleMax, 'max-scale'], [f.scaleTarget, 'target']];
  for (const [value, key] of autoscaling) {
    if (value !== undefined) (tmeta.annotations ??= {})[AUTOSCALING_PREFIX + key] = String(value);
  }
  if (f.concurrencyLimit !== undefined) rspec.containerConcurrency = f.concurrencyLimit;
  if (f.timeout !== undefined) rspec.timeoutSeconds = f.timeout;
  if (f.annotation !== undefined) {
    const { set, remove } = parseKeyValues(f.annotation, '--annotation');
    updateMap((tmeta.annotations ??= {}), set, remove);
    // Autoscaling annotations belong on revisions only (kn refuses them on the Service).
    updateMap((service.metadata.annotations ??= {}), set, remove, (k) => !k.startsWith(AUTOSCALING_PREFIX));
    if (Object.keys(service.metadata.annotations).length === 0) delete service.metadata.annotations;
  }

  if (!anyMutation(f)) return;
  tmeta.annotations ??= {};
  tmeta.annotations[UPDATE_TIMESTAMP_ANNOTATION] = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (f.revisionName !== undefined) {
    const name = generateRevisionName(f.revisionName, service.metadata.name!, (service.metadata.generation ?? 0) + 1);
    if (name) tmeta.name = name;
    else delete tmeta.name;
  } else {
    // A changed template cannot keep an earlier revision's name (Knative refuses it), so unlike kn
    // the name is dropped and the server generates one.
    delete tmeta.name;
  }
}
