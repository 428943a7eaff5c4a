/** The shared tail of every `list` command: a table (or kn's "No X found."), or a machine format. */
import type { KObject } from '../../apis/meta.ts';
import { renderObjects, type OutputFormat } from './output.ts';
import { renderTable, type Cell } from './table.ts';

export interface ListSpec {
  resource: string;      // services
  apiVersion: string;
  kind: string;          // Service
  headers: string[];
  row: (obj: KObject) => Cell[];
}

export function renderList(objects: KObject[], format: OutputFormat | undefined, spec: ListSpec): string {
  if (format && format.kind !== 'table') return renderObjects(objects, format, { ...spec, single: false });
  if (objects.length === 0) return `No ${spec.resource} found.\n`;
  return renderTable(spec.headers, objects.map(spec.row));
}
