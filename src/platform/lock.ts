/**
 * One ksrv per data dir: a pid file taken with O_EXCL. A stale file (its process is gone, e.g.
 * after kill -9) is taken over.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface DataDirLock { release(): void }

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e: any) { return e.code === 'EPERM'; }
}

export function lockDataDir(dataDir: string): DataDirLock {
  const path = join(dataDir, 'ksrv.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return { release: () => { try { if (readFileSync(path, 'utf8').trim() === String(process.pid)) unlinkSync(path); } catch { /* already gone */ } } };
    } catch (e: any) {
      if (e.code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new Error(`another ksrv (pid ${pid}) is already using the data dir ${dataDir}; stop it first or pass a different --data-dir`);
      }
      unlinkSync(path);
    }
  }
  throw new Error(`could not lock the data dir ${dataDir}`);
}
