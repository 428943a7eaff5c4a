import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Command } from 'commander';
import { removeTree } from '../../runtime/image/fs-util.ts';
import { dockerSaveArchive } from '../../runtime/image/testing/fixtures.ts';
import { humanSize, imageCommand } from './image.ts';

/** Runs `ksrv image ...` in-process and returns what it printed. */
async function ksrvImage(...args: string[]): Promise<string> {
  let out = '';
  const program = new Command('ksrv').exitOverride().addCommand(imageCommand((line) => { out += line + '\n'; }));
  await program.parseAsync(['node', 'ksrv', 'image', ...args]);
  return out;
}

describe('ksrv image', () => {
  let base: string;
  before(() => { base = mkdtempSync(join(tmpdir(), 'ksrv-image-cli-')); });
  after(async () => { await removeTree(base); });

  it('imports, builds, lists and removes images', async () => {
    const dataDir = join(base, 'data');
    const archive = join(base, 'app.tar');
    const built = await dockerSaveArchive(archive, { layers: [[{ name: 'app', content: 'x'.repeat(2000), mode: 0o755 }]] }, ['example.com/app:v1']);
    assert.equal(await ksrvImage('import', archive, '--data-dir', dataDir), `Loaded image: example.com/app:v1 (${built.manifestDigest})\n`);

    const ctx = join(base, 'ctx');
    mkdirSync(ctx);
    writeFileSync(join(ctx, 'Containerfile'), 'FROM example.com/app:v1\nCMD ["--hello"]\n');
    assert.match(await ksrvImage('build', ctx, '--tag', 'example.com/app:v2', '--data-dir', dataDir), /^Built image: example\.com\/app:v2 \(sha256:[a-f0-9]{64}\)\n$/);

    const table = (await ksrvImage('ls', '--data-dir', dataDir)).trimEnd().split('\n').map((l) => l.split(/\s{3,}/));
    assert.deepEqual(table[0], ['REPOSITORY', 'TAG', 'DIGEST', 'SIZE']);
    assert.deepEqual(table.slice(1).map((r) => [r[0], r[1]]), [['example.com/app', 'v1'], ['example.com/app', 'v2']]);
    assert.equal(table[1]![2], built.manifestDigest);
    assert.match(table[1]![3]!, /^\d+(\.\d+)?kB$/);

    // Just-written blobs outlive `rm` for a grace period (another process may be about to tag them).
    assert.equal(await ksrvImage('rm', 'example.com/app:v2', '--data-dir', dataDir), 'Untagged: example.com/app:v2\n');
    await assert.rejects(ksrvImage('rm', 'example.com/app:v2', '--data-dir', dataDir), /not found in the local store/);
  });

  it('formats sizes like docker', () => {
    assert.equal(humanSize(0), '0B');
    assert.equal(humanSize(999), '999B');
    assert.equal(humanSize(1000), '1kB');
    assert.equal(humanSize(5_800_000), '5.8MB');
    assert.equal(humanSize(100_000_000), '100MB');
  });
});
