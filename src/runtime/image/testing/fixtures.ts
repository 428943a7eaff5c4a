/** Test fixtures: tar layers, OCI layouts, docker save archives and OCI archives built in memory. */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { hostPlatform, MediaType } from '../oci.ts';

export interface TarEntry {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link';
  content?: string | Buffer;
  mode?: number;
  linkname?: string;
}

export function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export async function tarBuffer(entries: TarEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const chunk of pack) chunks.push(chunk as Buffer);
  })();
  for (const e of entries) {
    const type = e.type ?? 'file';
    const header = { name: e.name, type, mode: e.mode ?? (type === 'directory' ? 0o755 : 0o644), mtime: new Date(1_700_000_000_000), ...(e.linkname !== undefined ? { linkname: e.linkname } : {}) };
    await new Promise<void>((res, rej) => pack.entry(header, type === 'file' ? Buffer.from(e.content ?? '') : Buffer.alloc(0), (err) => (err ? rej(err) : res())));
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

export interface FixtureImage {
  layers: TarEntry[][];
  gzip?: boolean;
  config?: Record<string, unknown>;
}

export interface BuiltImage {
  configBytes: Buffer;
  /** Layer blobs as stored (compressed when gzip). */
  layerBlobs: Buffer[];
  diffIds: string[];
  manifestBytes: Buffer;
  manifestDigest: string;
}

export async function buildFixtureImage(image: FixtureImage): Promise<BuiltImage> {
  const tars = await Promise.all(image.layers.map(tarBuffer));
  const layerBlobs = tars.map((t) => (image.gzip ? gzipSync(t) : t));
  const diffIds = tars.map(sha256);
  const p = hostPlatform();
  const configBytes = Buffer.from(JSON.stringify({
    architecture: p.architecture, os: p.os,
    config: image.config ?? { Entrypoint: ['/app'], Env: ['PATH=/usr/bin:/bin'] },
    rootfs: { type: 'layers', diff_ids: diffIds },
  }));
  const manifestBytes = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: sha256(configBytes), size: configBytes.length },
    layers: layerBlobs.map((b) => ({ mediaType: image.gzip ? MediaType.ociLayerGzip : MediaType.ociLayer, digest: sha256(b), size: b.length })),
  }));
  return { configBytes, layerBlobs, diffIds, manifestBytes, manifestDigest: sha256(manifestBytes) };
}

/** Writes an OCI image layout directory; `refName` goes into the ref.name annotation. */
export async function writeOciLayout(dir: string, image: FixtureImage, refName?: string): Promise<BuiltImage> {
  const built = await buildFixtureImage(image);
  const blobs = join(dir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  for (const b of [built.configBytes, built.manifestBytes, ...built.layerBlobs]) writeFileSync(join(blobs, sha256(b).slice(7)), b);
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(join(dir, 'index.json'), JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaType.ociIndex,
    manifests: [{
      mediaType: MediaType.ociManifest, digest: built.manifestDigest, size: built.manifestBytes.length,
      ...(refName ? { annotations: { 'org.opencontainers.image.ref.name': refName } } : {}),
    }],
  }));
  return built;
}

/** A legacy `docker save` archive: manifest.json, <id>.json config, <n>/layer.tar. */
export async function dockerSaveArchive(file: string, image: FixtureImage, repoTags: string[]): Promise<BuiltImage> {
  const built = await buildFixtureImage(image);
  const configName = `${sha256(built.configBytes).slice(7)}.json`;
  const layerNames = built.layerBlobs.map((_, i) => `layer${i}/layer.tar`);
  const entries: TarEntry[] = [
    { name: configName, content: built.configBytes },
    ...built.layerBlobs.flatMap((b, i): TarEntry[] => [{ name: `layer${i}`, type: 'directory' }, { name: layerNames[i]!, content: b }]),
    { name: 'manifest.json', content: JSON.stringify([{ Config: configName, RepoTags: repoTags, Layers: layerNames }]) },
    { name: 'repositories', content: '{}' },
  ];
  writeFileSync(file, await tarBuffer(entries));
  return built;
}

/** Tars a directory tree (an OCI archive when the directory is an OCI layout). */
export async function tarDirectory(dir: string, file: string): Promise<void> {
  const entries: TarEntry[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      const rel = relative(dir, path);
      if (statSync(path).isDirectory()) {
        entries.push({ name: rel, type: 'directory' });
        walk(path);
      } else {
        entries.push({ name: rel, content: readFileSync(path) });
      }
    }
  };
  walk(dir);
  writeFileSync(file, await tarBuffer(entries));
}
