/**
 * `<dataDir>/runtime/instances.json`: the instances this ksrv process has alive (process group,
 * network namespace, files), rewritten on every change so that a ksrv killed with -9 can be cleaned
 * up after by the next one (`ProcessRuntime.cleanupOrphans`).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface InstanceRecord {
  id: string;
  namespace: string;
  revision: string;
  /** Process group leader (the outer bwrap, or the app in degraded mode). */
  pid?: number;
  /** /proc/<pid>/stat starttime, to not signal a recycled pid. */
  startTime?: number;
  netns?: string;
  hostVeth?: string;
  /** Per-instance files (hosts, resolv.conf, hostname). */
  dir?: string;
}

export interface RuntimeState { ownerPid: number; instances: InstanceRecord[] }

export function runtimeStatePath(dataDir: string): string {
  return join(dataDir, 'runtime', 'instances.json');
}

export function readRuntimeState(path: string): RuntimeState | undefined {
  try {
    const state = JSON.parse(readFileSync(path, 'utf8')) as RuntimeState;
    return Array.isArray(state.instances) ? state : undefined;
  } catch {
    return undefined;
  }
}

export function writeRuntimeState(path: string, state: RuntimeState): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2) + '\n');
  renameSync(tmp, path);
}
