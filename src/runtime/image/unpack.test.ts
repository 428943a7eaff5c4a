import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { removeTree } from './fs-util.ts';
import { tarBuffer, type TarEntry } from './testing/fixtures.ts';
import { entryComponents, HostileLayerError, unpackLayers } from './unpack.ts';

describe('unpackLayers', () => {
  let base: string;
  let counter = 0;
  before(() => { base = mkdtempSync(join(tmpdir(), 'ksrv-unpack-')); });
  after(async () => { await removeTree(base); });

  /** Unpacks layers into a fresh `root`, next to an `outside` dir that must stay empty. */
  async function unpack(layers: TarEntry[][], gzip = false): Promise<{ root: string; outside: string }> {
    const dir = join(base, String(counter++));
    const root = join(dir, 'root');
    const outside = join(dir, 'outside');
    mkdirSync(root, { recursive: true });
    mkdirSync(outside);
    const files: string[] = [];
    for (const [i, entries] of layers.entries()) {
      const file = join(dir, `layer${i}`);
      const t = await tarBuffer(entries);
      writeFileSync(file, gzip ? gzipSync(t) : t);
      files.push(file);
    }
    await unpackLayers(root, files);
    return { root, outside };
  }

  it('writes files, directories, symlinks and hard links with their modes (gzip layers)', async () => {
    const { root } = await unpack([[
      { name: 'bin/', type: 'directory', mode: 0o755 },
      { name: 'bin/app', content: '#!app', mode: 0o755 },
      { name: 'etc/config', content: 'x=1', mode: 0o600 },
      { name: 'bin/link', type: 'symlink', linkname: 'app' },
      { name: 'bin/hard', type: 'link', linkname: 'bin/app' },
      { name: 'ro/', type: 'directory', mode: 0o555 },
      { name: 'ro/inside', content: 'in a read-only dir' },
    ]], true);
    assert.equal(readFileSync(join(root, 'bin/app'), 'utf8'), '#!app');
    assert.equal(statSync(join(root, 'bin/app')).mode & 0o777, 0o755);
    assert.equal(statSync(join(root, 'etc/config')).mode & 0o777, 0o600);
    assert.equal(readlinkSync(join(root, 'bin/link')), 'app');
    assert.equal(statSync(join(root, 'bin/hard')).ino, statSync(join(root, 'bin/app')).ino);
    assert.equal(statSync(join(root, 'ro')).mode & 0o777, 0o555);
    assert.equal(readFileSync(join(root, 'ro/inside'), 'utf8'), 'in a read-only dir');
  });

  it('applies whiteouts and opaque whiteouts from later layers', async () => {
    const { root } = await unpack([
      [
        { name: 'a/keep', content: '1' },
        { name: 'a/gone', content: '2' },
        { name: 'b/old1', content: '3' },
        { name: 'b/sub/old2', content: '4' },
        { name: 'c/', type: 'directory' },
      ],
      [
        { name: 'a/.wh.gone', content: '' },
        { name: 'b/new', content: 'fresh' },
        { name: 'b/sub/new2', content: 'fresh2' },
        { name: 'b/.wh..wh..opq', content: '' },
        { name: '.wh.c', content: '' },
      ],
    ]);
    assert.equal(readFileSync(join(root, 'a/keep'), 'utf8'), '1');
    assert.equal(existsSync(join(root, 'a/gone')), false);
    assert.equal(existsSync(join(root, 'a/.wh.gone')), false);
    assert.deepEqual(readdirSync(join(root, 'b')).sort(), ['new', 'sub']);
    assert.deepEqual(readdirSync(join(root, 'b/sub')), ['new2']);
    assert.equal(existsSync(join(root, 'c')), false);
  });

  it('replaces a file by a directory and a directory by a symlink across layers', async () => {
    const { root } = await unpack([
      [{ name: 'x', content: 'file' }, { name: 'y/z', content: 'under y' }],
      [{ name: 'x/', type: 'directory' }, { name: 'x/f', content: 'now a dir' }, { name: 'y', type: 'symlink', linkname: 'x' }],
    ]);
    assert.equal(readFileSync(join(root, 'x/f'), 'utf8'), 'now a dir');
    assert.equal(lstatSync(join(root, 'y')).isSymbolicLink(), true);
  });

  it('rejects entries with ".." and keeps absolute names inside the root', async () => {
    await assert.rejects(unpack([[{ name: '../escaped', content: 'x' }]]), HostileLayerError);
    await assert.rejects(unpack([[{ name: 'a/../../escaped', content: 'x' }]]), HostileLayerError);
    const { root, outside } = await unpack([[{ name: '/etc/abs', content: 'inside' }]]);
    assert.equal(readFileSync(join(root, 'etc/abs'), 'utf8'), 'inside');
    assert.deepEqual(readdirSync(outside), []);
    assert.deepEqual(entryComponents('./a//b/.'), ['a', 'b']);
  });

  it('resolves writes through planted symlinks inside the root, never outside', async () => {
    const dir = join(base, 'escape-target');
    mkdirSync(dir);
    const { root, outside } = await unpack([
      [
        { name: 'abs', type: 'symlink', linkname: dir },
        { name: 'rel', type: 'symlink', linkname: '../../../../../../..' + dir },
        { name: 'up', type: 'symlink', linkname: '../outside' },
      ],
      [
        { name: 'abs/pwned', content: 'A' },
        { name: 'rel/pwned', content: 'B' },
        { name: 'up/pwned', content: 'C' },
      ],
    ]);
    assert.deepEqual(readdirSync(dir), []);
    assert.deepEqual(readdirSync(outside), []);
    // Followed as if root were `/`: the writes land inside the root.
    assert.equal(readFileSync(join(root, dir, 'pwned'), 'utf8'), 'B');
    assert.equal(readFileSync(join(root, 'outside/pwned'), 'utf8'), 'C');
  });

  it('replaces a planted symlink instead of writing through it, and refuses hard links out of the root', async () => {
    const secret = join(base, 'secret');
    writeFileSync(secret, 'host secret');
    const { root } = await unpack([
      [{ name: 'target', type: 'symlink', linkname: secret }],
      [{ name: 'target', content: 'overwritten?' }],
    ]);
    assert.equal(readFileSync(secret, 'utf8'), 'host secret');
    assert.equal(readFileSync(join(root, 'target'), 'utf8'), 'overwritten?');

    await assert.rejects(unpack([[
      { name: 'hl', type: 'link', linkname: '../secret' },
    ]]), HostileLayerError);
    await assert.rejects(unpack([[
      { name: 'sl', type: 'symlink', linkname: base },
      { name: 'hl', type: 'link', linkname: 'sl/secret' },
    ]]), /does not exist/);
    assert.equal(statSync(secret).nlink, 1);
  });

  it('stops symlink loops', async () => {
    await assert.rejects(unpack([[
      { name: 'a', type: 'symlink', linkname: 'b' },
      { name: 'b', type: 'symlink', linkname: 'a' },
      { name: 'a/file', content: 'x' },
    ]]), /too many levels of symbolic links/);
  });
});
