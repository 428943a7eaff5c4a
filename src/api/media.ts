/**
 * Content negotiation: what the Accept header asks for (Table, aggregated discovery) and which
 * patch type a PATCH Content-Type names.
 */

import type { PatchType } from '../client/client.ts';
import type { AggregatedVersion } from './discovery.ts';

interface MediaRange {
  type: string;
  params: Record<string, string>;
}

function parseMediaRanges(header: string | undefined): MediaRange[] {
  if (!header) return [];
  return header.split(',').map((part) => {
    const [type = '', ...rest] = part.split(';');
    const params: Record<string, string> = {};
    for (const p of rest) {
      const eq = p.indexOf('=');
      if (eq > 0) params[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim();
    }
    return { type: type.trim().toLowerCase(), params };
  });
}

/** True when the client asks for a meta.k8s.io Table (kubectl get's default output). */
export function wantsTable(accept: string | undefined): boolean {
  return parseMediaRanges(accept).some((m) => m.params.as === 'Table' && m.params.g === 'meta.k8s.io');
}

/** The aggregated-discovery version the client asks for first, if any. */
export function wantsAggregatedDiscovery(accept: string | undefined): AggregatedVersion | undefined {
  for (const m of parseMediaRanges(accept)) {
    if (m.params.as !== 'APIGroupDiscoveryList' || m.params.g !== 'apidiscovery.k8s.io') continue;
    if (m.params.v === 'v2' || m.params.v === 'v2beta1') return m.params.v;
  }
  return undefined;
}

/** The bare media type of a Content-Type header (no parameters), lower-cased. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

const PATCH_TYPES: Record<string, PatchType> = {
  'application/merge-patch+json': 'merge',
  'application/json-patch+json': 'json',
  'application/apply-patch+yaml': 'apply',
  'application/strategic-merge-patch+json': 'strategic',
};

export function patchTypeOf(contentType: string | undefined): PatchType | undefined {
  return PATCH_TYPES[mediaType(contentType)];
}

export const TABLE_CONTENT_TYPE = 'application/json;as=Table;v=v1;g=meta.k8s.io';
