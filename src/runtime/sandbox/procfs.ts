/** Process facts from /proc used to signal the right processes (and never a recycled pid). */
import { readdirSync, readFileSync } from 'node:fs';

interface ProcStat { ppid: number; pgrp: number; startTime: number }

export function readProcStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name (which may contain spaces): state ppid pgrp … starttime (22nd field).
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(rest[1]), pgrp: Number(rest[2]), startTime: Number(rest[19]) };
  } catch {
    return undefined;
  }
}

/** The pid is alive and is the very process that was started at `startTime` (clock ticks since boot). */
export function isSameProcess(pid: number, startTime: number | undefined): boolean {
  const stat = readProcStat(pid);
  return stat !== undefined && (startTime === undefined || stat.startTime === startTime);
}

export function processGroupMembers(pgrp: number): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readProcStat(Number(name));
    if (stat?.pgrp === pgrp) pids.push(Number(name));
  }
  return pids;
}

export function signalQuietly(pid: number, signal: NodeJS.Signals): void {
  try { process.kill(pid, signal); } catch { /* already gone */ }
}
