/**
 * The page's live feed: a `text/event-stream` response read by fetch() (EventSource cannot send
 * the Authorization header). It opens with a snapshot of everything, then carries each object
 * change, history entry and one-second sample as its own event.
 */
import type { ServerResponse } from 'node:http';

const HEARTBEAT_MS = 15_000;
/** A client this far behind is dropped rather than buffered without bound; it reconnects. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

export class LiveStreams {
  readonly #open = new Set<ServerResponse>();
  readonly #heartbeat: NodeJS.Timeout;

  constructor() {
    this.#heartbeat = setInterval(() => this.#writeAll(': keep-alive\n\n'), HEARTBEAT_MS);
    this.#heartbeat.unref();
  }

  get size(): number { return this.#open.size; }

  open(res: ServerResponse, snapshot: unknown): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    this.#open.add(res);
    res.on('close', () => this.#open.delete(res));
    res.write(frame('snapshot', snapshot));
  }

  send(event: string, data: unknown): void {
    if (this.#open.size) this.#writeAll(frame(event, data));
  }

  close(): void {
    clearInterval(this.#heartbeat);
    for (const res of this.#open) res.end();
    this.#open.clear();
  }

  #writeAll(text: string): void {
    for (const res of this.#open) {
      if (res.writableLength > MAX_BUFFERED_BYTES) { res.destroy(); this.#open.delete(res); continue; }
      res.write(text);
    }
  }
}

function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
