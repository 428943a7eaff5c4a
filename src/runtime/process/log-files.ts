/**
 * Instance output on disk: `<dataDir>/logs/<namespace>/<revision>.log`, one line per output line,
 * `<RFC3339 time> <instance id> <stdout|stderr> <text>`, rotated at ~10 MB into `.log.1`, `.log.2`
 * (three files in all, oldest dropped). `ksrv logs` reads them back.
 */
import { closeSync, fstatSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const LOG_MAX_BYTES = 10 * 1024 * 1024;
export const LOG_FILES_KEPT = 3;

export function revisionLogPath(dataDir: string, namespace: string, revision: string): string {
  return join(dataDir, 'logs', namespace, `${revision}.log`);
}

/** Oldest first: `.log.2`, `.log.1`, `.log`. */
export function rotatedLogPaths(path: string, kept = LOG_FILES_KEPT): string[] {
  const paths = [path];
  for (let i = 1; i < kept; i++) paths.unshift(`${path}.${i}`);
  return paths;
}

export function formatLogLine(instanceId: string, stream: 'stdout' | 'stderr', text: string, now = new Date()): string {
  return `${now.toISOString()} ${instanceId} ${stream} ${text}\n`;
}

export class RotatingLogFile {
  private fd: number | undefined;
  private size = 0;

  constructor(readonly path: string, private readonly maxBytes = LOG_MAX_BYTES, private readonly kept = LOG_FILES_KEPT) {}

  append(text: string): void {
    if (this.fd === undefined) this.open();
    const buf = Buffer.from(text);
    writeSync(this.fd!, buf);
    this.size += buf.length;
    if (this.size >= this.maxBytes) this.rotate();
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private open(): void {
    mkdirSync(dirname(this.path), { recursive: true });
    this.fd = openSync(this.path, 'a');
    this.size = fstatSync(this.fd).size;
  }

  private rotate(): void {
    this.close();
    rmSync(`${this.path}.${this.kept - 1}`, { force: true });
    for (let i = this.kept - 2; i >= 1; i--) {
      try { renameSync(`${this.path}.${i}`, `${this.path}.${i + 1}`); } catch { /* not there yet */ }
    }
    renameSync(this.path, `${this.path}.1`);
  }
}

/** Splits a byte stream into lines; `flush` hands out a trailing partial line. */
export class LineSplitter {
  private partial = '';

  push(chunk: string, onLine: (line: string) => void): void {
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop()!;
    for (const line of parts) onLine(line);
    // A process that never prints a newline must not make us buffer without bound.
    if (this.partial.length > 16384) { onLine(this.partial); this.partial = ''; }
  }

  flush(onLine: (line: string) => void): void {
    if (this.partial) onLine(this.partial);
    this.partial = '';
  }
}

/** Kubernetes' FallbackToLogsOnError termination message: the last 80 lines, at most 2048 bytes. */
export class LastLines {
  private lines: string[] = [];

  add(line: string): void {
    this.lines.push(line);
    if (this.lines.length > 80) this.lines.shift();
  }

  clear(): void { this.lines = []; }

  text(): string {
    let text = this.lines.join('\n').trim();
    while (Buffer.byteLength(text) > 2048) text = text.slice(text.indexOf('\n') + 1 || 1);
    return text;
  }
}
