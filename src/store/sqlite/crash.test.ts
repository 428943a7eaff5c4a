import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { SqliteStore } from './sqlite-store.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');
const KILL_AFTER_ACKS = 300;

interface Ack { op: 'C' | 'U'; rv: number; name: string; n: number }

/** Runs the writer, SIGKILLs it once KILL_AFTER_ACKS writes were acknowledged, returns the acks. */
function runAndKill(file: string): Promise<{ acks: Ack[]; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'crash-writer.ts'), file], {
      cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acks: Ack[] = [];
    let partial = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      const lines = (partial + d).split('\n');
      partial = lines.pop()!; // an unterminated line was not fully acknowledged to us
      for (const line of lines) {
        const [op, rv, name, n] = line.split(' ');
        acks.push({ op: op as Ack['op'], rv: Number(rv), name: name!, n: Number(n) });
      }
      if (acks.length >= KILL_AFTER_ACKS && child.exitCode === null && !child.killed) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`writer exited early (code ${code}): ${stderr}`));
      else resolve({ acks, signal });
    });
  });
}

it('every acknowledged write survives SIGKILL mid-burst, and the file stays intact', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ksrv-crash-test-'));
  try {
    const file = path.join(dir, 'ksrv.db');
    const { acks, signal } = await runAndKill(file);
    assert.equal(signal, 'SIGKILL');
    assert.ok(acks.length >= KILL_AFTER_ACKS, `acks: ${acks.length}`);

    const check = new Database(file);
    try {
      assert.equal(check.pragma('integrity_check', { simple: true }), 'ok');
    } finally {
      check.close();
    }

    const store = await SqliteStore.open(file);
    try {
      const maxAcked = Math.max(...acks.map((a) => a.rv));
      const current = Number(await store.currentResourceVersion());
      assert.ok(current >= maxAcked, `current RV ${current} >= last acknowledged ${maxAcked}`);
      for (const ack of acks.filter((a) => a.op === 'C' && a.name !== 'counter')) {
        const got = await store.get({ group: 'serving.knative.dev', resource: 'configurations', namespace: 'crash', name: ack.name });
        assert.ok(got, `acknowledged create ${ack.name} (RV ${ack.rv}) is present`);
        assert.equal(got.metadata.resourceVersion, String(ack.rv));
        assert.equal(got.spec.i, ack.n);
      }
      const lastUpdate = acks.filter((a) => a.name === 'counter').at(-1)!;
      const counter = await store.get({ group: 'serving.knative.dev', resource: 'services', namespace: 'crash', name: 'counter' });
      assert.ok(counter && Number(counter.metadata.resourceVersion) >= lastUpdate.rv);
      assert.ok(counter.spec.n >= lastUpdate.n);
      // The persisted counter never reissues an acknowledged RV.
      const next = await store.update({ group: 'serving.knative.dev', resource: 'services', namespace: 'crash', name: 'counter' }, counter);
      assert.ok(Number(next.metadata.resourceVersion) > current);
      // The change log replays from an acknowledged RV after the crash.
      const from = acks[Math.floor(acks.length / 2)]!.rv;
      const replayed: number[] = [];
      let done!: () => void;
      const all = new Promise<void>((resolve) => { done = resolve; });
      const target = Number(next.metadata.resourceVersion);
      const w = await store.watch({ group: 'serving.knative.dev', resource: 'services' }, { fromResourceVersion: String(from) },
        (ev) => { replayed.push(Number(ev.resourceVersion)); if (Number(ev.resourceVersion) === target) done(); });
      await all;
      w.stop();
      const expected = acks.filter((a) => a.name === 'counter' && a.rv > from).map((a) => a.rv);
      for (const rv of expected) assert.ok(replayed.includes(rv), `replayed acknowledged update RV ${rv}`);
      assert.deepEqual(replayed, [...replayed].sort((a, b) => a - b));
    } finally {
      await store.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
