/**
 * kubelet's CrashLoopBackOff: the delay before restarting a crashed container doubles from 1 s up
 * to 5 min, and starts over once the container ran for 10 min without crashing.
 */
export interface BackoffSettings { initialMs: number; maxMs: number; resetAfterMs: number }

export const KUBELET_BACKOFF: BackoffSettings = { initialMs: 1_000, maxMs: 300_000, resetAfterMs: 600_000 };

export class CrashBackoff {
  private nextMs: number;

  constructor(private readonly settings: BackoffSettings = KUBELET_BACKOFF) {
    this.nextMs = settings.initialMs;
  }

  /** Delay before the next start, given how long the container just ran. */
  next(ranForMs: number): number {
    if (ranForMs >= this.settings.resetAfterMs) this.nextMs = this.settings.initialMs;
    const delay = this.nextMs;
    this.nextMs = Math.min(this.nextMs * 2, this.settings.maxMs);
    return delay;
  }
}
