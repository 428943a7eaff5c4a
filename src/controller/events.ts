/**
 * Records core v1 Events about objects, like client-go's EventRecorder: writes happen in the
 * background (a reconcile never waits for or fails because of them). Aggregation of repeats
 * (count / lastTimestamp) is the registry's recordEvent.
 */

import type { Logger } from 'pino';
import type { KObject } from '../apis/meta.ts';
import type { Client } from '../client/client.ts';
import { recordEvent } from '../registry/events.ts';

export type EventKind = 'Normal' | 'Warning';

export interface EventRecorder {
  event(obj: KObject, type: EventKind, reason: string, message: string): void;
}

const MAX_PARALLEL = 4;

export class ClientEventRecorder implements EventRecorder {
  private readonly backlog: (() => Promise<void>)[] = [];
  private active = 0;
  private waiters: (() => void)[] = [];

  constructor(
    private readonly client: Client,
    private readonly component: string,
    private readonly now: () => Date = () => new Date(),
    private readonly logger?: Logger,
  ) {}

  event(obj: KObject, type: EventKind, reason: string, message: string): void {
    this.backlog.push(() => this.write(obj, type, reason, message));
    this.pump();
  }

  /** Resolves when every recorded event has been written (or given up on). */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((r) => this.waiters.push(r));
  }

  isIdle(): boolean {
    return this.active === 0 && this.backlog.length === 0;
  }

  private pump(): void {
    while (this.active < MAX_PARALLEL && this.backlog.length > 0) {
      const job = this.backlog.shift()!;
      this.active++;
      job().catch((err) => this.logger?.debug({ err }, 'event write failed')).finally(() => {
        this.active--;
        this.pump();
        if (this.isIdle()) {
          const ws = this.waiters;
          this.waiters = [];
          for (const w of ws) w();
        }
      });
    }
  }

  private async write(obj: KObject, type: EventKind, reason: string, message: string): Promise<void> {
    await recordEvent(this.client, obj, type, reason, message, this.component, this.now);
  }
}

/** A recorder that remembers events in memory (tests). */
export class MemoryEventRecorder implements EventRecorder {
  readonly events: { object: string; type: EventKind; reason: string; message: string }[] = [];
  event(obj: KObject, type: EventKind, reason: string, message: string): void {
    this.events.push({ object: `${obj.metadata.namespace}/${obj.metadata.name}`, type, reason, message });
  }
}
