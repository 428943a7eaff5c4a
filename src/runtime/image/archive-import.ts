/**
 * Reads images out of `docker save` archives, OCI archives (a tar of an OCI layout, as written by
 * `podman save --format oci-archive`) and OCI layout directories, into the blob store.
 * Archives are staged on the blob filesystem first, so their layers are moved, not copied.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { BlobStore, DigestMismatchError, hexOf } from './blob-store.ts';
import { isGzipMagic, readHead, removeTree } from './fs-util.ts';
import { copyImage } from './image-copy.ts';
import { MediaType, documentKind, type Descriptor, type ImageIndex, type ImageManifest, type OciImageConfig } from './oci.ts';
import { InvalidReferenceError, normalizeReference } from './reference.ts';
import { entryComponents } from './unpack.ts';

export interface ArchiveImage {
  /** Manifest (or index) digest. */
  digest: string;
  /** Canonical references named by the archive (RepoTags, ref-name annotations). */
  names: string[];
}

/** Named files of an archive or a directory, with archive symlinks resolved. */
interface SourceTree {
  path(name: string): string | undefined;
  /** Files are private staging copies that may be moved into the store. */
  staged: boolean;
}

export async function importImages(source: string, blobs: BlobStore): Promise<ArchiveImage[]> {
  const st = await stat(source).catch(() => undefined);
  if (!st) throw new Error(`${source}: no such file or directory`);
  if (st.isDirectory()) return readImages(directoryTree(source), blobs);
  const staging = await mkdtemp(blobs.tempPath() + '-import-');
  try {
    const tree = await stageArchive(source, staging);
    return await readImages(tree, blobs);
  } finally {
    await removeTree(staging);
  }
}

function directoryTree(dir: string): SourceTree {
  return { path: (name) => join(dir, ...entryComponents(name)), staged: false };
}

async function stageArchive(file: string, staging: string): Promise<SourceTree> {
  const files = new Map<string, string>();
  const links = new Map<string, string>();
  let counter = 0;
  const extract = tar.extract();
  const feeding = pipeline(await openMaybeGzip(file), extract);
  feeding.catch(() => {});
  for await (const entry of extract) {
    try {
      const name = entryComponents(entry.header.name).join('/');
      if (entry.header.type === 'file' || entry.header.type === 'contiguous-file') {
        // Staged under a counter, not the entry name: the archive's names never touch the filesystem.
        const staged = join(staging, String(counter++));
        await pipeline(entry as unknown as Readable, createWriteStream(staged, { flags: 'wx' }));
        files.set(name, staged);
      } else if (entry.header.type === 'symlink' || entry.header.type === 'link') {
        const target = entry.header.linkname ?? '';
        const resolved = entry.header.type === 'symlink' ? posix.join(posix.dirname(name), target) : target;
        links.set(name, posix.normalize(resolved).replace(/^\.?\//, ''));
      }
    } finally {
      entry.resume();
    }
  }
  await feeding;
  return {
    staged: true,
    path(name) {
      let n = posix.normalize(name).replace(/^\.?\//, '');
      for (let hops = 0; hops < 10 && !files.has(n) && links.has(n); hops++) n = links.get(n)!;
      return files.get(n);
    },
  };
}

async function openMaybeGzip(file: string): Promise<Readable> {
  const gzip = isGzipMagic(await readHead(file, 2));
  const stream = createReadStream(file);
  return gzip ? stream.pipe(createGunzip()) : stream;
}

async function readImages(tree: SourceTree, blobs: BlobStore): Promise<ArchiveImage[]> {
  const indexFile = tree.path('index.json');
  if (indexFile && (await exists(indexFile))) return readOciLayout(tree, indexFile, blobs);
  const manifestFile = tree.path('manifest.json');
  if (manifestFile && (await exists(manifestFile))) return readDockerSave(tree, manifestFile, blobs);
  throw new Error('not an image archive: expected a docker save archive (manifest.json), an OCI archive or an OCI layout (index.json)');
}

async function readOciLayout(tree: SourceTree, indexFile: string, blobs: BlobStore): Promise<ArchiveImage[]> {
  const index = JSON.parse(await readFile(indexFile, 'utf8')) as ImageIndex;
  if (!Array.isArray(index.manifests)) throw new Error('index.json: no "manifests" list');
  const source = {
    async open(desc: Descriptor): Promise<Readable> {
      const file = tree.path(`blobs/sha256/${hexOf(desc.digest)}`);
      if (!file || !(await exists(file))) throw new Error(`blob ${desc.digest} is missing from the archive`);
      return createReadStream(file);
    },
  };
  const images: ArchiveImage[] = [];
  for (const desc of index.manifests) {
    await copyImage(source, blobs, desc);
    const names = namesFromAnnotations(desc.annotations ?? {});
    const already = images.find((i) => i.digest === desc.digest);
    if (already) already.names.push(...names.filter((n) => !already.names.includes(n)));
    else images.push({ digest: desc.digest, names });
  }
  return images;
}

/**
 * `io.containerd.image.name` (docker save ≥ 25) carries the full name; the OCI
 * `org.opencontainers.image.ref.name` is a full reference for podman, but only a tag for skopeo
 * `oci:dir:tag`, and a bare tag names no repository, so it is not used alone.
 */
function namesFromAnnotations(annotations: Record<string, string>): string[] {
  for (const value of [annotations['io.containerd.image.name'], annotations['org.opencontainers.image.ref.name']]) {
    if (!value || !/[/:@]/.test(value)) continue;
    try {
      return [normalizeReference(value)];
    } catch (err) {
      if (!(err instanceof InvalidReferenceError)) throw err;
    }
  }
  return [];
}

interface DockerSaveEntry { Config: string; RepoTags?: string[] | null; Layers: string[] }

async function readDockerSave(tree: SourceTree, manifestFile: string, blobs: BlobStore): Promise<ArchiveImage[]> {
  const entries = JSON.parse(await readFile(manifestFile, 'utf8')) as DockerSaveEntry[];
  if (!Array.isArray(entries)) throw new Error('manifest.json: expected a list of images');
  const images: ArchiveImage[] = [];
  const stored = new Map<string, Descriptor>();
  for (const entry of entries) {
    const configFile = tree.path(entry.Config);
    if (!configFile) throw new Error(`manifest.json: config "${entry.Config}" is missing from the archive`);
    const configBytes = await readFile(configFile);
    const config = JSON.parse(configBytes.toString('utf8')) as OciImageConfig;
    const configDigest = await blobs.putBytes(configBytes);
    const diffIds = config.rootfs?.diff_ids ?? [];
    if (diffIds.length !== entry.Layers.length) {
      throw new Error(`manifest.json: ${entry.Layers.length} layers listed but the config has ${diffIds.length} diff_ids`);
    }
    const layers: Descriptor[] = [];
    for (const [i, layerName] of entry.Layers.entries()) {
      const file = tree.path(layerName);
      if (!file) throw new Error(`manifest.json: layer "${layerName}" is missing from the archive`);
      let layer = stored.get(file);
      if (!layer) {
        const gzip = isGzipMagic(await readHead(file, 2));
        const { digest, size } = tree.staged ? await blobs.adoptFile(file) : await blobs.putFile(file);
        layer = { mediaType: gzip ? MediaType.ociLayerGzip : MediaType.ociLayer, digest, size };
        // Layers and images may share files (docker save links duplicates); a staged file is moved once.
        stored.set(file, layer);
      }
      if (layer.mediaType === MediaType.ociLayer && layer.digest !== diffIds[i]) throw new DigestMismatchError(diffIds[i]!, layer.digest, `layer ${layerName}`);
      layers.push(layer);
    }
    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: configDigest, size: configBytes.length },
      layers,
    };
    const bytes = Buffer.from(JSON.stringify(manifest));
    const digest = await blobs.putBytes(bytes);
    if (documentKind(manifest) !== 'manifest') throw new Error('internal: built an invalid manifest');
    const names: string[] = [];
    for (const tag of entry.RepoTags ?? []) {
      try {
        names.push(normalizeReference(tag));
      } catch (err) {
        if (!(err instanceof InvalidReferenceError)) throw err;
      }
    }
    images.push({ digest, names });
  }
  return images;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}
