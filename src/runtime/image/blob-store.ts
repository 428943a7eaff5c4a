/**
 * Content-addressed blobs: `<root>/sha256/<hex>`. Every write goes to a temp file in the same
 * directory tree, is hashed while written, and is renamed into place only when the digest matches,
 * so a reader never sees a partial or corrupt blob.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { readFile, rename, rm, stat, writeFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DIGEST } from './reference.ts';

export class DigestMismatchError extends Error {
  constructor(readonly expected: string, readonly actual: string, what = 'blob') {
    super(`${what} digest mismatch: expected ${expected}, got ${actual}`);
    this.name = 'DigestMismatchError';
  }
}

export function sha256Digest(data: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export function hexOf(digest: string): string {
  if (!DIGEST.test(digest)) throw new Error(`unsupported digest "${digest}" (only sha256 is supported)`);
  return digest.slice('sha256:'.length);
}

/** A pass-through stream that hashes and counts what flows through it. */
export class HashingStream extends Transform {
  private readonly hash = createHash('sha256');
  bytes = 0;
  /** `limit`: fail as soon as more bytes than that flow through (a source that sends too much stops at once). */
  constructor(private readonly limit?: { bytes: number; error: () => Error }) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null, data?: Buffer) => void): void {
    this.bytes += chunk.length;
    if (this.limit && this.bytes > this.limit.bytes) return done(this.limit.error());
    this.hash.update(chunk);
    done(null, chunk);
  }
  digest(): string {
    return `sha256:${this.hash.digest('hex')}`;
  }
}

export class BlobStore {
  private readonly dir: string;
  private readonly tmpDir: string;

  constructor(root: string) {
    this.dir = join(root, 'sha256');
    this.tmpDir = join(root, 'tmp');
    mkdirSync(this.dir, { recursive: true });
    mkdirSync(this.tmpDir, { recursive: true });
  }

  path(digest: string): string {
    return join(this.dir, hexOf(digest));
  }

  async has(digest: string): Promise<boolean> {
    try {
      return (await stat(this.path(digest))).isFile();
    } catch {
      return false;
    }
  }

  async size(digest: string): Promise<number> {
    return (await stat(this.path(digest))).size;
  }

  async read(digest: string): Promise<Buffer> {
    return readFile(this.path(digest));
  }

  async readJson<T>(digest: string): Promise<T> {
    return JSON.parse((await this.read(digest)).toString('utf8')) as T;
  }

  open(digest: string): Readable {
    return createReadStream(this.path(digest));
  }

  /** Stores bytes; returns their digest. Throws DigestMismatchError when `expected` differs. */
  async putBytes(data: Uint8Array | string, expected?: string): Promise<string> {
    const digest = sha256Digest(data);
    if (expected && expected !== digest) throw new DigestMismatchError(expected, digest);
    if (await this.has(digest)) return digest;
    const tmp = this.tempPath();
    try {
      await writeFile(tmp, data);
      await rename(tmp, this.path(digest));
    } finally {
      await rm(tmp, { force: true });
    }
    return digest;
  }

  /** Stores a stream's content, verifying digest (and size when given). */
  async putStream(source: Readable, expected?: string, expectedSize?: number): Promise<{ digest: string; size: number }> {
    const tmp = this.tempPath();
    const hashing = new HashingStream(expectedSize === undefined ? undefined : {
      bytes: expectedSize,
      error: () => new Error(`blob ${expected ?? '(unnamed)'} size mismatch: expected ${expectedSize} bytes, got more`),
    });
    try {
      await pipeline(source, hashing, createWriteStream(tmp, { flags: 'wx' }));
      const digest = hashing.digest();
      if (expected && expected !== digest) throw new DigestMismatchError(expected, digest);
      if (expectedSize !== undefined && expectedSize !== hashing.bytes) {
        throw new Error(`blob ${digest} size mismatch: expected ${expectedSize} bytes, got ${hashing.bytes}`);
      }
      await rename(tmp, this.path(digest));
      return { digest, size: hashing.bytes };
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /** Stores an existing file (copied, source left in place), verifying its digest. */
  async putFile(file: string, expected?: string, expectedSize?: number): Promise<{ digest: string; size: number }> {
    if (expected && (await this.has(expected))) return { digest: expected, size: await this.size(expected) };
    return this.putStream(createReadStream(file), expected, expectedSize);
  }

  /**
   * Moves a file that already lies on the blob filesystem (e.g. staged from an archive) into the
   * store after hashing it, instead of copying it.
   */
  async adoptFile(file: string, expected?: string): Promise<{ digest: string; size: number }> {
    const hashing = new HashingStream();
    await pipeline(createReadStream(file), hashing, new Writable({ write: (_c, _e, done) => done() }));
    const digest = hashing.digest();
    if (expected && expected !== digest) throw new DigestMismatchError(expected, digest);
    if (!(await this.has(digest))) await rename(file, this.path(digest));
    return { digest, size: hashing.bytes };
  }

  async remove(digest: string): Promise<void> {
    await rm(this.path(digest), { force: true });
  }

  /** All stored digests with their modification times (for garbage collection). */
  async list(): Promise<Array<{ digest: string; mtimeMs: number }>> {
    const out: Array<{ digest: string; mtimeMs: number }> = [];
    for (const name of await readdir(this.dir)) {
      if (!/^[a-f0-9]{64}$/.test(name)) continue;
      try {
        out.push({ digest: `sha256:${name}`, mtimeMs: (await stat(join(this.dir, name))).mtimeMs });
      } catch { /* removed concurrently */ }
    }
    return out;
  }

  /** A fresh temp file path on the same filesystem as the blobs (so rename is atomic). */
  tempPath(): string {
    return join(this.tmpDir, `${process.pid}-${randomBytes(8).toString('hex')}`);
  }
}
