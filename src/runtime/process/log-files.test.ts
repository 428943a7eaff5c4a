import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { formatLogLine, LastLines, LineSplitter, RotatingLogFile } from './log-files.ts';
import { followLog, readLogLines } from './log-reader.ts';

const dir = mkdtempSync(join(tmpdir(), 'ksrv-logs-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('log files', () => {
  it('rotates at the size limit keeping three files, and reads them back oldest first', () => {
    const path = join(dir, 'ns', 'rev.log');
    const log = new RotatingLogFile(path, 100, 3);
    for (let i = 0; i < 12; i++) log.append(`line ${String(i).padStart(2, '0')} ${'x'.repeat(30)}\n`);
    log.close();
    assert.ok(existsSync(`${path}.1`) && existsSync(`${path}.2`) && !existsSync(`${path}.3`));
    const lines = readLogLines(path);
    assert.ok(lines.length < 12, 'the oldest file was dropped');
    assert.match(lines.at(-1)!, /^line 11 /);
    assert.deepEqual(lines.map((l) => Number(l.slice(5, 7))), [...lines.keys()].map((k) => 12 - lines.length + k));
    assert.deepEqual(readLogLines(path, 2).map((l) => l.slice(0, 7)), ['line 10', 'line 11']);
  });

  it('formats lines with time, instance and stream', () => {
    assert.equal(formatLogLine('abcde', 'stderr', 'boom', new Date(0)), '1970-01-01T00:00:00.000Z abcde stderr boom\n');
  });

  it('splits chunks into lines and keeps the last ones within 2048 bytes', () => {
    const seen: string[] = [];
    const s = new LineSplitter();
    s.push('a\nb', (l) => seen.push(l));
    s.push('c\n\nd', (l) => seen.push(l));
    s.flush((l) => seen.push(l));
    assert.deepEqual(seen, ['a', 'bc', '', 'd']);
    const last = new LastLines();
    for (let i = 0; i < 200; i++) last.add(`${i} ${'y'.repeat(40)}`);
    const text = last.text();
    assert.ok(Buffer.byteLength(text) <= 2048);
    assert.match(text, /^199 /m);
    assert.doesNotMatch(text, /^119 /m);
  });

  it('follows appends and rotation', async () => {
    const path = join(dir, 'follow.log');
    writeFileSync(path, 'old\n');
    let got = '';
    const stop = followLog(path, (t) => { got += t; }, 10);
    try {
      appendFileSync(path, 'new 1\n');
      await waitFor(() => got === 'new 1\n');
      renameSync(path, `${path}.1`);
      writeFileSync(path, 'after rotation\n');
      await waitFor(() => got === 'new 1\nafter rotation\n');
    } finally {
      stop();
    }
    assert.equal(readFileSync(`${path}.1`, 'utf8'), 'old\nnew 1\n');
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
