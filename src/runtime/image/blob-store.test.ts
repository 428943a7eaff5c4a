import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { BlobStore, sha256Digest } from './blob-store.ts';
import { removeTree } from './fs-util.ts';

const root = mkdtempSync(join(tmpdir(), 'ksrv-blob-store-test-'));
after(() => removeTree(root));

describe('BlobStore.putStream', () => {
  it('stops reading a source that sends more than the announced size', async () => {
    const blobs = new BlobStore(root);
    let pulled = 0;
    // A hostile registry streaming without end: only the first bytes may be read and written.
    const endless = Readable.from((function* () { for (;;) { pulled++; yield Buffer.alloc(64 * 1024, 1); } })());
    await assert.rejects(blobs.putStream(endless, sha256Digest('x'), 10), /size mismatch: expected 10 bytes, got more/);
    assert.ok(pulled < 64, `read ${pulled} chunks`);
    assert.deepEqual(readdirSync(join(root, 'tmp')), [], 'the partial file is removed');
  });
  it('stores content of exactly the announced size', async () => {
    const blobs = new BlobStore(root);
    const data = Buffer.from('hello blob');
    const stored = await blobs.putStream(Readable.from([data]), sha256Digest(data), data.length);
    assert.deepEqual(stored, { digest: sha256Digest(data), size: data.length });
    await assert.rejects(blobs.putStream(Readable.from([data]), sha256Digest(data), data.length + 1), /size mismatch/);
  });
});
