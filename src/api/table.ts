/**
 * Server-side Table output (kubectl-compat §7): the Name column plus the type's printer columns,
 * cells evaluated with kubectl JSONPath, and each row's object as PartialObjectMetadata (or the
 * full object with includeObject=Object).
 */

import type { KObject } from '../apis/meta.ts';
import type { ResourceType } from '../apis/resources.ts';
import { printerCell } from '../lib/jsonpath.ts';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

const NAME_DESCRIPTION =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';

export interface ColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

const columnCache = new Map<ResourceType, ColumnDefinition[]>();

export function columnDefinitions(type: ResourceType): ColumnDefinition[] {
  let cols = columnCache.get(type);
  if (!cols) {
    cols = [
      { name: 'Name', type: 'string', format: 'name', description: NAME_DESCRIPTION, priority: 0 },
      ...type.printerColumns.map((c) => ({
        name: c.name, type: c.type, format: '',
        description: c.description ?? `Custom resource definition column (in JSONPath format): ${c.jsonPath}`,
        priority: c.priority ?? 0,
      })),
    ];
    columnCache.set(type, cols);
  }
  return cols;
}

export interface TableRow {
  cells: unknown[];
  object?: unknown;
}

/** One row for an object already converted to the requested version. */
export function tableRow(type: ResourceType, obj: KObject, include: IncludeObject, now = Date.now()): TableRow {
  const cells: unknown[] = [obj.metadata?.name ?? ''];
  for (const c of type.printerColumns) {
    const v = printerCell(c.jsonPath, obj, c.type);
    cells.push(c.type === 'date' ? ageCell(v, now) : v);
  }
  const row: TableRow = { cells };
  if (include === 'Object') row.object = obj;
  else if (include === 'Metadata') row.object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
  return row;
}

export function table(type: ResourceType, objs: KObject[], opts: { include: IncludeObject; resourceVersion?: string; withColumns?: boolean }): Record<string, unknown> {
  const now = Date.now();
  const metadata: Record<string, string> = {};
  if (opts.resourceVersion) metadata.resourceVersion = opts.resourceVersion;
  return {
    kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata,
    columnDefinitions: opts.withColumns === false ? [] : columnDefinitions(type),
    rows: objs.map((o) => tableRow(type, o, opts.include, now)),
  };
}

function ageCell(value: unknown, now: number): string | null {
  if (value === null || value === undefined || value === '') return null;
  const t = Date.parse(String(value));
  if (Number.isNaN(t)) return '<unknown>';
  return humanDuration(now - t);
}

/** kubectl's duration.HumanDuration: "45s", "5m30s", "2h15m", "3d4h", "2y30d". */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const days = Math.trunc(hours / 24);
    const dy = days % 365;
    return dy === 0 ? `${Math.trunc(days / 365)}y` : `${Math.trunc(days / 365)}y${dy}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}
