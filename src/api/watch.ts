/**
 * Streams a Client watch as the apiserver does (kubectl-compat §8): a chunked 200 with one JSON
 * event per line, flushed at once; one-row Tables when the client asked for Table output.
 */

import type { ServerResponse } from 'node:http';
import type { ResourceType } from '../apis/resources.ts';
import { apiVersionOf } from '../apis/resources.ts';
import type { Client, ClientWatch, ClientWatchEvent, WatchQuery } from '../client/client.ts';
import { ApiError, errors } from '../lib/errors.ts';
import { JSON_CONTENT_TYPE, present, warningHeaderValue } from './respond.ts';
import { TABLE_CONTENT_TYPE } from './media.ts';
import { table, type IncludeObject } from './table.ts';

export interface WatchRequest {
  client: Client;
  type: ResourceType;
  version: string;
  query: WatchQuery;
  table: boolean;
  include: IncludeObject;
  allowBookmarks: boolean;
  /** Only set when the client sent timeoutSeconds: otherwise the stream stays open. */
  timeoutSeconds?: number;
  warnings: string[];
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/** An open stream; `done` settles once its response has finished or its connection closed. */
export interface WatchHandle {
  end(): void;
  done: Promise<void>;
}

/** Registry of open streams so the server can end them all on close(). */
export type WatchTracker = Set<WatchHandle>;

/**
 * Resolves once the stream is established (or has ended). Rejects only when the watch could not
 * start before any byte was written; the caller then answers with a Status.
 */
export async function serveWatch(res: ServerResponse, w: WatchRequest, tracker: WatchTracker): Promise<void> {
  let started = false;
  let ended = false;
  let firstTable = true;
  let clientWatch: ClientWatch | undefined;
  let timer: NodeJS.Timeout | undefined;

  const start = () => {
    if (started) return;
    started = true;
    const headers: Record<string, string | string[]> = {
      'Content-Type': w.table ? TABLE_CONTENT_TYPE : JSON_CONTENT_TYPE,
      'Cache-Control': 'no-cache, private',
    };
    if (w.warnings.length) headers.Warning = w.warnings.map(warningHeaderValue);
    res.writeHead(200, headers);
    res.flushHeaders();
  };

  const end = () => {
    if (ended) return;
    ended = true;
    tracker.delete(handle);
    if (timer) clearTimeout(timer);
    clientWatch?.stop();
    if (!res.writableEnded && !res.destroyed) {
      start();
      res.end();
    }
  };

  const write = (type: string, object: unknown) => {
    if (ended) return;
    start();
    res.write(`${JSON.stringify({ type, object })}\n`);
  };

  const onEvent = (ev: ClientWatchEvent) => {
    if (ended) return;
    switch (ev.type) {
      case 'ERROR':
        write('ERROR', ev.object);
        end();
        return;
      case 'BOOKMARK':
        if (w.allowBookmarks) write('BOOKMARK', { ...ev.object, apiVersion: apiVersionOf(w.type, w.version), kind: w.type.kind });
        return;
      default: {
        const obj = present(w.type, ev.object, w.version);
        if (w.table) {
          write(ev.type, table(w.type, [obj], { include: w.include, resourceVersion: obj.metadata?.resourceVersion, withColumns: firstTable }));
          firstTable = false;
        } else {
          write(ev.type, obj);
        }
      }
    }
  };

  const handle: WatchHandle = {
    end,
    done: new Promise<void>((resolve) => {
      res.once('finish', resolve);
      res.once('close', resolve);
    }),
  };
  tracker.add(handle);
  // res 'close' (not req 'close') fires when the client goes away mid-stream.
  res.on('close', end);
  // setTimeout fires after 1 ms for delays beyond 2^31-1 ms (~24.8 days): cap them there instead.
  if (w.timeoutSeconds !== undefined) timer = setTimeout(end, Math.min(w.timeoutSeconds * 1000, MAX_TIMER_MS));

  try {
    clientWatch = await w.client.watch(w.type, w.query, onEvent, end);
  } catch (e) {
    if (!started) {
      ended = true;
      tracker.delete(handle);
      if (timer) clearTimeout(timer);
      throw e;
    }
    const err = ApiError.isApiError(e) ? e : errors.internal(String((e as Error)?.message ?? e));
    write('ERROR', err.toStatus());
    end();
    return;
  }
  if (ended) {
    clientWatch.stop();
    return;
  }
  start();
}
