/**
 * A level-triggered work queue of string keys ("ns/name"), in the spirit of client-go's
 * workqueue: a key is queued at most once, processed by at most one worker at a time (a key added
 * while in flight is processed again afterwards), and failures are retried with per-key
 * exponential backoff.
 */

export interface WorkQueueOptions {
  /** Parallel workers (keys processed concurrently). */
  workers?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export type ProcessFn = (key: string) => Promise<void>;

export class WorkQueue {
  private readonly queue: string[] = [];
  private head = 0;
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  /** Keys re-added while being processed. */
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  /** Timers for backoff retries: these count as pending work for idle(). */
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();
  /** Timers for requeueAfter: deliberate future work, not counted as pending. */
  private readonly delayTimers = new Map<string, NodeJS.Timeout>();
  private active = 0;
  private stopped = false;
  private process: ProcessFn | undefined;
  private idleWaiters: (() => void)[] = [];
  private readonly workers: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(opts: WorkQueueOptions = {}) {
    this.workers = opts.workers ?? 4;
    this.baseDelayMs = opts.baseDelayMs ?? 5;
    this.maxDelayMs = opts.maxDelayMs ?? 1000;
  }

  start(process: ProcessFn): void {
    this.process = process;
    this.pump();
  }

  add(key: string): void {
    if (this.stopped) return;
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.pump();
  }

  addAfter(key: string, ms: number): void {
    if (this.stopped) return;
    if (ms <= 0) return this.add(key);
    const prev = this.delayTimers.get(key);
    if (prev) clearTimeout(prev);
    const t = setTimeout(() => { this.delayTimers.delete(key); this.add(key); }, ms);
    t.unref?.();
    this.delayTimers.set(key, t);
  }

  /** Retry with exponential backoff: base * 2^failures, capped. */
  addRateLimited(key: string): void {
    if (this.stopped) return;
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    const delay = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** n);
    if (this.retryTimers.has(key)) return;
    const t = setTimeout(() => {
      this.retryTimers.delete(key);
      this.add(key);
      this.notifyIdle();
    }, delay);
    this.retryTimers.set(key, t);
  }

  /** Forget failure history (after a success or a permanent error). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  get length(): number {
    return this.queue.length - this.head;
  }

  isIdle(): boolean {
    return this.length === 0 && this.active === 0 && this.retryTimers.size === 0;
  }

  /** Resolves once nothing is queued, in flight or waiting for a backoff retry. */
  whenIdle(): Promise<void> {
    if (this.isIdle() || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.retryTimers.values()) clearTimeout(t);
    for (const t of this.delayTimers.values()) clearTimeout(t);
    this.retryTimers.clear();
    this.delayTimers.clear();
    this.queue.length = 0;
    this.head = 0;
    this.queued.clear();
    this.notifyIdle(true);
  }

  /** Resolves when in-flight work has finished (after stop()). */
  async drain(): Promise<void> {
    while (this.active > 0) await new Promise<void>((r) => this.idleWaiters.push(r));
  }

  private notifyIdle(force = false): void {
    if (!force && !this.isIdle()) return;
    const ws = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of ws) w();
  }

  private pump(): void {
    if (!this.process || this.stopped) return;
    while (this.active < this.workers && this.length > 0) {
      const key = this.queue[this.head++]!;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      this.queued.delete(key);
      this.processing.add(key);
      this.active++;
      void this.run(key);
    }
  }

  private async run(key: string): Promise<void> {
    try {
      await this.process!(key);
    } catch {
      // The process function handles its own errors; a throw here is a bug, retry anyway.
      this.addRateLimited(key);
    } finally {
      this.processing.delete(key);
      this.active--;
      if (this.dirty.delete(key)) this.add(key);
      this.pump();
      this.notifyIdle(this.stopped);
    }
  }
}
