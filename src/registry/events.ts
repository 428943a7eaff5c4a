/**
 * Records core v1 Events about an object, aggregating repeats the way client-go's event correlator
 * does: the same (object, type, reason, message, component) bumps `count` and `lastTimestamp` of
 * one Event instead of creating another. The Event's name is `<object name>.<16 hex digits>`, the
 * shape client-go gives (it uses a timestamp; a hash of the aggregation key makes the name
 * deterministic, so no in-memory cache is needed and restarts keep aggregating).
 */
import { createHash } from 'node:crypto';
import type { KObject } from '../apis/meta.ts';
import { EventType } from '../apis/resources.ts';
import type { Client } from '../client/client.ts';
import { ApiError } from '../lib/errors.ts';

const ATTEMPTS = 5;

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

function isReason(e: unknown, reason: string): boolean {
  return ApiError.isApiError(e) && e.reason === reason;
}

export function eventName(involved: KObject, type: string, reason: string, message: string, component: string): string {
  const m = involved.metadata;
  const key = [involved.apiVersion, involved.kind, m.namespace ?? '', m.name ?? '', m.uid ?? '', type, reason, message, component].join('\u0000');
  return `${m.name}.${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}

/** Creates or bumps the Event; returns it. Errors other than lost races are thrown to the caller. */
export async function recordEvent(client: Client, involved: KObject, type: 'Normal' | 'Warning', reason: string,
  message: string, component: string, clock: () => Date = () => new Date()): Promise<KObject> {
  const namespace = involved.metadata.namespace || 'default';
  const name = eventName(involved, type, reason, message, component);
  for (let attempt = 1; ; attempt++) {
    const now = rfc3339(clock());
    try {
      let existing: KObject | undefined;
      try {
        existing = await client.get(EventType, namespace, name);
      } catch (e) {
        if (!isReason(e, 'NotFound')) throw e;
      }
      if (existing) {
        const bumped: KObject = { ...existing, count: Number(existing.count ?? 1) + 1, lastTimestamp: now };
        return (await client.update(EventType, bumped)).object;
      }
      const event: KObject = {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace },
        involvedObject: {
          apiVersion: involved.apiVersion,
          kind: involved.kind,
          namespace: involved.metadata.namespace,
          name: involved.metadata.name,
          uid: involved.metadata.uid,
          resourceVersion: involved.metadata.resourceVersion,
        },
        reason,
        message,
        source: { component },
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
        type,
        eventTime: null,
        reportingComponent: component,
        reportingInstance: '',
      };
      return (await client.create(EventType, event)).object;
    } catch (e) {
      // Another recorder won the race for this Event: read it again and bump.
      if (attempt < ATTEMPTS && (isReason(e, 'Conflict') || isReason(e, 'AlreadyExists') || isReason(e, 'NotFound'))) continue;
      throw e;
    }
  }
}
