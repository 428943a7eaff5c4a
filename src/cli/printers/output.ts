/**
 * `-o table|yaml|json|name|jsonpath=TEMPLATE`, printed as kubectl (and so kn) prints them: JSON
 * indented by four spaces, lists as `<Kind>List` objects, `-o name` as `<resource>.<group>/<name>`,
 * JSONPath in kubectl's dialect applied to the object or the list.
 */
import { InvalidArgumentError } from 'commander';
import { stringify } from 'yaml';
import type { KObject } from '../../apis/meta.ts';
import { formatJsonPath, JsonPathError } from '../../lib/jsonpath.ts';

export type OutputFormat =
  | { kind: 'table' } | { kind: 'yaml' } | { kind: 'json' } | { kind: 'name' }
  | { kind: 'jsonpath'; template: string };

export const OUTPUT_HELP = 'output format: table, yaml, json, name or jsonpath=TEMPLATE';

/** commander parser of `-o`. */
export function parseOutputFormat(value: string): OutputFormat {
  const m = /^jsonpath=(.*)$/s.exec(value);
  if (m) {
    const template = m[1]!.replace(/^'(.*)'$/s, '$1');
    if (!template) throw new InvalidArgumentError('jsonpath template must not be empty');
    return { kind: 'jsonpath', template };
  }
  if (value === 'table' || value === 'yaml' || value === 'json' || value === 'name') return { kind: value };
  throw new InvalidArgumentError(`unable to match a printer suitable for the output format "${value}", allowed formats are: json,jsonpath,name,table,yaml`);
}

export function qualifiedName(resource: string, obj: KObject): string {
  const group = obj.apiVersion.includes('/') ? obj.apiVersion.split('/')[0] : '';
  const singular = resource.replace(/s$/, '');
  return `${singular}${group ? `.${group}` : ''}/${obj.metadata.name}`;
}

export function listObject(apiVersion: string, kind: string, items: KObject[]): Record<string, unknown> {
  return { apiVersion, kind: `${kind}List`, items, metadata: {} };
}

/**
 * Renders objects in a machine format. `single` prints the object itself rather than a list,
 * as `describe NAME -o json` does.
 */
export function renderObjects(objects: KObject[], format: Exclude<OutputFormat, { kind: 'table' }>, o: { resource: string; apiVersion: string; kind: string; single: boolean }): string {
  const data = o.single ? objects[0] : listObject(o.apiVersion, o.kind, objects);
  switch (format.kind) {
    case 'json': return JSON.stringify(data, null, 4) + '\n';
    case 'yaml': return stringify(data);
    case 'name': return objects.map((obj) => `${qualifiedName(o.resource, obj)}\n`).join('');
    case 'jsonpath':
      try {
        return formatJsonPath(format.template, data);
      } catch (e) {
        if (e instanceof JsonPathError) throw new Error(`error parsing jsonpath ${format.template}, ${e.message}`);
        throw e;
      }
  }
}
