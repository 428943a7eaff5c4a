/**
 * The image store under `<dataDir>/images/`:
 *   blobs/sha256/<hex>   manifests, indexes, configs and layers, content-addressed
 *   index.db             references (`repo:tag`, `repo@digest`) → manifest digest (SQLite)
 *   rootfs/<hex>         unpacked root filesystems, one per platform-manifest digest
 * It is shared by `ksrv up` and the `ksrv image` commands, which may run at the same time.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { mkdtemp, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { importImages } from './archive-import.ts';
import { BlobStore, hexOf } from './blob-store.ts';
import { buildImage, type BaseImage, type BuildOptions } from './build.ts';
import { AuthFileCredentials, authFilePath, type CredentialSource } from './credentials.ts';
import { removeTree, renameIfAbsent } from './fs-util.ts';
import { ImageNotFoundError, type ImageResolver, type PreparedImage } from './image.ts';
import { describePlatforms, documentKind, selectPlatform, toImageConfig, type ImageIndex, type ImageManifest, type OciImageConfig } from './oci.ts';
import { DIGEST, formatReference, parseReference, repositoryOf, type ImageReference } from './reference.ts';
import { RegistryClient } from './registry-client.ts';
import { TagIndex, type IndexedRef } from './tag-index.ts';
import { unpackLayers } from './unpack.ts';

export interface ImageStoreOptions {
  /** Registry credentials; default: the auth file (see credentials.ts). */
  credentials?: CredentialSource;
  /** Unreferenced blobs younger than this survive garbage collection (another process may be about to tag them). */
  gcGraceMs?: number;
}

export interface StoredImages {
  /** Digest of the (first) image stored. */
  digest: string;
  /** Canonical references now pointing at it. */
  refs: string[];
}

export interface ImageSummary {
  ref: string;
  repository: string;
  /** Undefined for a reference pinned by digest. */
  tag?: string;
  digest: string;
  /** Bytes of config and layers as stored (layers compressed). */
  size: number;
}

export interface RemoveResult {
  untagged: string[];
  /** Manifest digests no longer referenced, whose blobs and rootfs were deleted. */
  deleted: string[];
}

const DEFAULT_GC_GRACE_MS = 10 * 60_000;

export class ImageStore implements ImageResolver {
  private readonly blobs: BlobStore;
  private readonly index: TagIndex;
  private readonly rootfsDir: string;
  private readonly registry: RegistryClient;
  private readonly gcGraceMs: number;
  private readonly preparing = new Map<string, Promise<PreparedImage>>();
  private readonly pulling = new Map<string, Promise<string>>();

  static open(dataDir: string, opts: ImageStoreOptions = {}): ImageStore {
    return new ImageStore(dataDir, opts);
  }

  private constructor(dataDir: string, opts: ImageStoreOptions) {
    const root = join(dataDir, 'images');
    mkdirSync(root, { recursive: true });
    this.blobs = new BlobStore(join(root, 'blobs'));
    this.index = new TagIndex(join(root, 'index.db'));
    this.rootfsDir = join(root, 'rootfs');
    mkdirSync(this.rootfsDir, { recursive: true });
    this.registry = new RegistryClient(opts.credentials ?? new AuthFileCredentials(authFilePath(dataDir)));
    this.gcGraceMs = opts.gcGraceMs ?? DEFAULT_GC_GRACE_MS;
    removeAbandonedTemps(join(root, 'blobs', 'tmp'));
    removeAbandonedTemps(this.rootfsDir);
  }

  close(): void {
    this.index.close();
  }

  /** Imports a docker save archive, OCI archive or OCI layout directory; `tag` replaces the archive's names. */
  async importArchive(path: string, opts: { tag?: string } = {}): Promise<StoredImages> {
    const images = await importImages(path, this.blobs);
    if (images.length === 0) throw new Error(`${path}: the archive holds no image`);
    if (opts.tag) {
      if (images.length !== 1) throw new Error(`${path}: the archive holds ${images.length} images; --tag needs exactly one`);
      return { digest: images[0]!.digest, refs: [this.tag(opts.tag, images[0]!.digest)] };
    }
    const refs: string[] = [];
    for (const image of images) for (const name of image.names) refs.push(this.tag(name, image.digest));
    return { digest: images[0]!.digest, refs };
  }

  /** Builds `dir`'s Containerfile/Dockerfile and tags the result. */
  async build(dir: string, tag: string, opts: BuildOptions = {}): Promise<StoredImages> {
    const target = parseTag(tag);
    const digest = await buildImage(dir, opts, { blobs: this.blobs, loadBase: (ref) => this.loadImage(ref) });
    return { digest, refs: [this.tag(formatReference(target), digest)] };
  }

  /** Pulls from the registry (always, even when stored) and records the reference. */
  async pull(ref: string): Promise<StoredImages> {
    const parsed = parseReference(ref);
    const key = formatReference(parsed);
    let pending = this.pulling.get(key);
    if (!pending) {
      pending = this.registry.pull(parsed, this.blobs).finally(() => this.pulling.delete(key));
      this.pulling.set(key, pending);
    }
    const digest = await pending;
    this.index.set(key, repositoryOf(parsed), parsed.digest ? undefined : parsed.tag, digest);
    return { digest, refs: [key] };
  }

  async list(): Promise<ImageSummary[]> {
    const sizes = new Map<string, number>();
    const out: ImageSummary[] = [];
    for (const row of this.index.list()) {
      if (!sizes.has(row.digest)) sizes.set(row.digest, await this.imageSize(row.digest).catch(() => 0));
      const s: ImageSummary = { ref: row.ref, repository: row.repository, digest: row.digest, size: sizes.get(row.digest)! };
      if (row.tag !== undefined) s.tag = row.tag;
      out.push(s);
    }
    return out;
  }

  /**
   * Removes a reference (`name:tag`), every reference of `name@digest`, or every reference of a
   * bare `sha256:…` digest, then deletes what no reference reaches any more.
   */
  async remove(ref: string): Promise<RemoveResult> {
    let rows: IndexedRef[];
    if (DIGEST.test(ref)) {
      rows = this.index.list().filter((r) => r.digest === ref);
    } else {
      const parsed = parseReference(ref);
      rows = parsed.digest
        ? this.index.list().filter((r) => r.repository === repositoryOf(parsed) && r.digest === parsed.digest)
        : [this.index.get(formatReference(parsed))].filter((r): r is IndexedRef => !!r);
    }
    if (rows.length === 0) throw new ImageNotFoundError(ref, `image "${ref}" not found in the local store`);
    for (const row of rows) this.index.delete(row.ref);
    return { untagged: rows.map((r) => r.ref), deleted: await this.collectGarbage(new Set(rows.map((r) => r.digest))) };
  }

  /** Reference → manifest digest; pulls when the reference is not stored. */
  async resolve(ref: string): Promise<string> {
    if (DIGEST.test(ref)) {
      if (await this.blobs.has(ref)) return ref;
      throw new ImageNotFoundError(ref, `failed to resolve image "${ref}": not found in the local store (a bare digest cannot be pulled; use name@${ref})`);
    }
    let parsed: ImageReference;
    try {
      parsed = parseReference(ref);
    } catch (err) {
      throw new ImageNotFoundError(ref, `failed to resolve image "${ref}": ${(err as Error).message}`);
    }
    if (parsed.digest) {
      if (await this.blobs.has(parsed.digest)) return parsed.digest;
    } else {
      const row = this.index.get(formatReference(parsed));
      if (row && (await this.blobs.has(row.digest))) return row.digest;
    }
    try {
      return (await this.pull(ref)).digest;
    } catch (err) {
      throw new ImageNotFoundError(ref, `failed to resolve image "${ref}": not found in the local store and pull failed: ${(err as Error).message}`);
    }
  }

  /** Unpacks a stored image once (per platform manifest) and returns its rootfs and config. */
  async prepare(digest: string): Promise<PreparedImage> {
    if (!DIGEST.test(digest) || !(await this.blobs.has(digest))) {
      throw new ImageNotFoundError(digest, `image ${digest} is not in the local store`);
    }
    const { manifestDigest, manifest, config } = await this.readImage(digest);
    const rootfs = join(this.rootfsDir, hexOf(manifestDigest));
    const prepared: PreparedImage = { digest, config: toImageConfig(config), rootfs };
    if (await isDirectory(rootfs)) return prepared;
    let pending = this.preparing.get(rootfs);
    if (!pending) {
      pending = this.unpack(manifest, rootfs).then(() => prepared).finally(() => this.preparing.delete(rootfs));
      this.preparing.set(rootfs, pending);
    }
    await pending;
    return prepared;
  }

  /** Image config JSON and manifest of a stored or pullable reference (for FROM). */
  private async loadImage(ref: string): Promise<BaseImage> {
    const digest = await this.resolve(ref);
    const { manifest, config } = await this.readImage(digest);
    return { manifest, config, rootfs: (await this.prepare(digest)).rootfs };
  }

  private async readImage(digest: string): Promise<{ manifestDigest: string; manifest: ImageManifest; config: OciImageConfig }> {
    let manifestDigest = digest;
    let doc = await this.blobs.readJson<unknown>(digest);
    if (documentKind(doc) === 'index') {
      const chosen = selectPlatform(doc as ImageIndex);
      if (!chosen) throw new ImageNotFoundError(digest, `image ${digest} has no image for this platform (available: ${describePlatforms(doc as ImageIndex)})`);
      manifestDigest = chosen.digest;
      doc = await this.blobs.readJson<unknown>(manifestDigest);
    }
    if (documentKind(doc) !== 'manifest') throw new Error(`${manifestDigest} is not an image manifest`);
    const manifest = doc as ImageManifest;
    return { manifestDigest, manifest, config: await this.blobs.readJson<OciImageConfig>(manifest.config.digest) };
  }

  private async unpack(manifest: ImageManifest, rootfs: string): Promise<void> {
    const layerFiles: string[] = [];
    for (const layer of manifest.layers) {
      if (!(await this.blobs.has(layer.digest))) throw new Error(`layer ${layer.digest} is missing from the store`);
      layerFiles.push(this.blobs.path(layer.digest));
    }
    const tmp = await mkdtemp(join(this.rootfsDir, `.unpack-${process.pid}-`));
    try {
      await unpackLayers(tmp, layerFiles);
      // Another process may have unpacked the same image meanwhile: its copy wins, ours goes.
      await renameIfAbsent(tmp, rootfs);
    } finally {
      await removeTree(tmp);
    }
  }

  private tag(ref: string, digest: string): string {
    const parsed = parseTag(ref);
    const canonical = formatReference(parsed);
    this.index.set(canonical, repositoryOf(parsed), parsed.tag, digest);
    return canonical;
  }

  private async imageSize(digest: string): Promise<number> {
    const { manifest } = await this.readImage(digest);
    return manifest.config.size + manifest.layers.reduce((n, l) => n + l.size, 0);
  }

  /** Deletes blobs and root filesystems that no reference reaches; returns which `candidates` went. */
  private async collectGarbage(candidates: Set<string>): Promise<string[]> {
    const reachable = new Set<string>();
    const reachableRootfs = new Set<string>();
    for (const digest of this.index.digests()) {
      reachable.add(digest);
      try {
        const doc = await this.blobs.readJson<unknown>(digest);
        const manifests = documentKind(doc) === 'index' ? (doc as ImageIndex).manifests.map((m) => m.digest) : [digest];
        for (const m of manifests) {
          reachable.add(m);
          reachableRootfs.add(hexOf(m));
          if (!(await this.blobs.has(m))) continue;
          const manifest = await this.blobs.readJson<ImageManifest>(m);
          for (const blob of [manifest.config, ...manifest.layers]) reachable.add(blob.digest);
        }
      } catch { /* a missing or unreadable manifest reaches nothing more */ }
    }
    const cutoff = Date.now() - this.gcGraceMs;
    const removed = new Set<string>();
    for (const blob of await this.blobs.list()) {
      if (reachable.has(blob.digest) || blob.mtimeMs > cutoff) continue;
      await this.blobs.remove(blob.digest);
      removed.add(blob.digest);
    }
    for (const name of readdirSync(this.rootfsDir)) {
      if (/^[a-f0-9]{64}$/.test(name) && !reachableRootfs.has(name)) await removeTree(join(this.rootfsDir, name));
    }
    return [...candidates].filter((d) => removed.has(d));
  }
}

/** A reference used as a tag target: must name a tag, not a digest. */
function parseTag(ref: string): ImageReference {
  const parsed = parseReference(ref);
  if (parsed.digest) throw new Error(`"${ref}": a tag cannot contain a digest`);
  return parsed;
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isDirectory(), () => false);
}

/** Temp files and unpack dirs are named after their process; those of dead processes are leftovers. */
function removeAbandonedTemps(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = /^(?:\.unpack-)?(\d+)-/.exec(name);
    if (!m || Number(m[1]) === process.pid || isAlive(Number(m[1]))) continue;
    try {
      rmSync(join(dir, name), { recursive: true, force: true });
    } catch { /* read-only leftovers are retried by the next removeTree */ }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
