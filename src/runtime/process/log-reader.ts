/** Reads a revision's log files back (for `ksrv logs`): the last N lines, then optionally follows. */
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { rotatedLogPaths } from './log-files.ts';

export function readLogLines(path: string, tail?: number): string[] {
  const lines: string[] = [];
  for (const file of rotatedLogPaths(path)) {
    let text: string;
    try { text = readFileSync(file, 'utf8'); } catch { continue; }
    for (const line of text.split('\n')) if (line) lines.push(line);
    if (tail !== undefined && lines.length > tail * 4) lines.splice(0, lines.length - tail);
  }
  return tail === undefined ? lines : lines.slice(Math.max(0, lines.length - tail));
}

/**
 * Calls `onText` with whatever is appended to `path` from its current end, following rotation
 * (the file shrinking or being replaced starts over at its beginning). Returns a stop function.
 */
export function followLog(path: string, onText: (text: string) => void, intervalMs = 250): () => void {
  let offset = 0;
  let inode = -1;
  try { const st = statSync(path); offset = st.size; inode = st.ino; } catch { /* not yet written */ }
  const timer = setInterval(() => {
    let st;
    try { st = statSync(path); } catch { return; }
    if (st.ino !== inode || st.size < offset) { inode = st.ino; offset = 0; }
    if (st.size <= offset) return;
    const fd = openSync(path, 'r');
    try {
      const buf = Buffer.alloc(st.size - offset);
      const n = readSync(fd, buf, 0, buf.length, offset);
      offset += n;
      onText(buf.subarray(0, n).toString('utf8'));
    } finally {
      closeSync(fd);
    }
  }, intervalMs);
  return () => clearInterval(timer);
}
