/**
 * Copies one image (an index or a manifest, with its config and layers) from a source of blobs
 * into the blob store, verifying every digest. From an index only the host platform is copied.
 * The manifest (and index) blobs are written last, so a stored manifest implies its content is stored.
 */
import type { Readable } from 'node:stream';
import { BlobStore, DigestMismatchError, sha256Digest } from './blob-store.ts';
import { describePlatforms, documentKind, hostPlatform, selectPlatform, MediaType, type Descriptor, type ImageIndex, type ImageManifest } from './oci.ts';

export interface BlobSource {
  /** The bytes of a blob or manifest; the copier verifies the digest. */
  open(desc: Descriptor): Promise<Readable>;
}

const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export async function copyImage(source: BlobSource, blobs: BlobStore, top: Descriptor, topBytes?: Buffer): Promise<void> {
  await copyDocument(source, blobs, top, topBytes, 0);
}

async function copyDocument(source: BlobSource, blobs: BlobStore, desc: Descriptor, known: Buffer | undefined, depth: number): Promise<void> {
  if (depth > 2) throw new Error('image index nesting is too deep');
  const bytes = known ?? (await blobs.has(desc.digest) ? await blobs.read(desc.digest) : await readSmall(await source.open(desc)));
  const actual = sha256Digest(bytes);
  if (actual !== desc.digest) throw new DigestMismatchError(desc.digest, actual, 'manifest');
  const doc = JSON.parse(bytes.toString('utf8')) as unknown;
  const kind = documentKind(doc);
  if (kind === 'index') {
    const index = doc as ImageIndex;
    const chosen = selectPlatform(index);
    if (!chosen) {
      const want = hostPlatform();
      throw new Error(`no image for ${want.os}/${want.architecture} (available: ${describePlatforms(index)})`);
    }
    await copyDocument(source, blobs, chosen, undefined, depth + 1);
  } else if (kind === 'manifest') {
    const manifest = doc as ImageManifest;
    for (const blob of [manifest.config, ...manifest.layers]) {
      if (blob.mediaType === MediaType.dockerForeignLayer || (blob.urls && blob.urls.length > 0)) {
        throw new Error(`layer ${blob.digest} is a foreign (non-distributable) layer; such images are not supported`);
      }
      if (await blobs.has(blob.digest)) continue;
      await blobs.putStream(await source.open(blob), blob.digest, blob.size);
    }
  } else {
    const mt = (doc as { mediaType?: string; schemaVersion?: number })?.mediaType;
    throw new Error(`unsupported manifest${mt ? ` media type "${mt}"` : ` (schemaVersion ${(doc as { schemaVersion?: number })?.schemaVersion})`}; only OCI and Docker schema 2 images are supported`);
  }
  await blobs.putBytes(bytes, desc.digest);
}

async function readSmall(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    total += (chunk as Buffer).length;
    if (total > MAX_MANIFEST_BYTES) {
      stream.destroy();
      throw new Error(`manifest larger than ${MAX_MANIFEST_BYTES} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
