/**
 * Applies image layers to a directory, as a container runtime does, without ever writing outside it.
 *
 * Every entry's parent path is resolved component by component inside the root: a symlink met on
 * the way is followed as if the root were `/` (absolute targets restart at the root, `..` stops at
 * it), so a hostile layer cannot reach the host through `../`, absolute names or a planted symlink.
 * Entry names containing `..` are rejected outright.
 */
import { constants, createReadStream } from 'node:fs';
import { chmod, lchown, link, lstat, mkdir, open, readdir, readlink, rm, symlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { isGzipMagic, readHead } from './fs-util.ts';

export class HostileLayerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HostileLayerError';
  }
}

const WHITEOUT_PREFIX = '.wh.';
const OPAQUE_WHITEOUT = '.wh..wh..opq';
const MAX_SYMLINK_HOPS = 40;

export interface UnpackOptions {
  /** Apply tar uid/gid ownership. Default: only when running as root. */
  chown?: boolean;
}

/** Applies layer files (gzip or uncompressed tars) in order onto `root`, which must exist. */
export async function unpackLayers(root: string, layerFiles: string[], opts: UnpackOptions = {}): Promise<void> {
  const state: UnpackState = {
    root,
    chown: opts.chown ?? (process.getuid?.() === 0),
    dirAttrs: new Map(),
    writtenThisLayer: new Set(),
  };
  for (const file of layerFiles) {
    state.writtenThisLayer = new Set();
    try {
      await applyLayer(state, await openLayer(file));
    } catch (err) {
      (err as Error).message = `layer ${file.split('/').pop()}: ${(err as Error).message}`;
      throw err;
    }
  }
  await finishDirectories(state);
}

interface UnpackState {
  root: string;
  chown: boolean;
  /** Directory modes and times are set last, so that read-only directories can still be filled. */
  dirAttrs: Map<string, { mode: number; mtime?: Date }>;
  writtenThisLayer: Set<string>;
}

async function openLayer(file: string): Promise<Readable> {
  const magic = await readHead(file, 4);
  const stream = createReadStream(file);
  if (isGzipMagic(magic)) return stream.pipe(createGunzip());
  if (magic.equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))) {
    stream.destroy();
    throw new Error('zstd-compressed layers are not supported; re-save the image with gzip or uncompressed layers');
  }
  return stream;
}

async function applyLayer(state: UnpackState, layer: Readable): Promise<void> {
  const extract = tar.extract();
  const feeding = pipeline(layer, extract);
  // Consume `feeding` errors through the loop (the extractor is destroyed with the same error).
  feeding.catch(() => {});
  for await (const entry of extract) {
    try {
      await applyEntry(state, entry.header, entry as unknown as Readable);
    } finally {
      entry.resume();
    }
  }
  await feeding;
}

/** `./a//b/` → ['a','b']; absolute names are taken relative to the root; `..` is refused. */
export function entryComponents(name: string): string[] {
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new HostileLayerError(`entry "${name}" escapes the root filesystem ("..")`);
  return parts;
}

async function applyEntry(state: UnpackState, header: tar.Header, body: Readable): Promise<void> {
  const components = entryComponents(header.name);
  if (components.length === 0) return; // the root itself
  const base = components[components.length - 1]!;
  const parentComponents = components.slice(0, -1);

  if (base === OPAQUE_WHITEOUT) {
    const dir = await resolveInRoot(state.root, parentComponents, { followLast: true, createMissing: true });
    await clearLowerContent(state, dir);
    markWritten(state, dir);
    return;
  }
  if (base.startsWith(WHITEOUT_PREFIX)) {
    const hidden = base.slice(WHITEOUT_PREFIX.length);
    if (hidden.startsWith(WHITEOUT_PREFIX) || hidden === '') return; // other AUFS metadata
    const parent = await resolveInRoot(state.root, parentComponents, { followLast: true, createMissing: false }).catch(() => undefined);
    if (!parent) return;
    const target = [...parent, hidden];
    if (!state.writtenThisLayer.has(target.join('/'))) await rm(join(state.root, ...target), { recursive: true, force: true });
    return;
  }

  const parent = await resolveInRoot(state.root, parentComponents, { followLast: true, createMissing: true });
  const dest = [...parent, base];
  const destRel = dest.join('/');
  const destPath = join(state.root, ...dest);
  const existing = await lstat(destPath).catch(() => undefined);
  const mode = (header.mode ?? 0o644) & 0o7777;

  switch (header.type) {
    case 'directory':
      if (!existing?.isDirectory()) {
        if (existing) await rm(destPath, { recursive: true, force: true });
        await mkdir(destPath, { mode: 0o755 });
      }
      state.dirAttrs.set(destRel, { mode, mtime: header.mtime });
      break;
    case 'file':
    case 'contiguous-file': {
      if (existing) await rm(destPath, { recursive: true, force: true });
      const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
      const fh = await open(destPath, flags, 0o600);
      await pipeline(body, fh.createWriteStream());
      await chmod(destPath, mode);
      if (header.mtime) await utimes(destPath, header.mtime, header.mtime);
      break;
    }
    case 'symlink':
      if (existing) await rm(destPath, { recursive: true, force: true });
      await symlink(header.linkname ?? '', destPath);
      break;
    case 'link': {
      const targetComponents = entryComponents(header.linkname ?? '');
      const target = await resolveInRoot(state.root, targetComponents, { followLast: false, createMissing: false });
      const targetPath = join(state.root, ...target);
      if (targetPath === destPath) break;
      const targetStat = await lstat(targetPath).catch(() => undefined);
      if (!targetStat) throw new Error(`hard link "${header.name}" points at "${header.linkname}", which does not exist`);
      if (targetStat.isDirectory()) throw new HostileLayerError(`hard link "${header.name}" points at a directory`);
      if (existing) await rm(destPath, { recursive: true, force: true });
      await link(targetPath, destPath);
      break;
    }
    default:
      // Device nodes and FIFOs cannot be created without privileges; images rarely need them.
      return;
  }
  if (state.chown && header.type !== 'link') {
    await lchown(destPath, header.uid ?? 0, header.gid ?? 0);
    // chown clears setuid/setgid bits, so they are set again afterwards.
    if (header.type === 'file' && mode & 0o6000) await chmod(destPath, mode);
  }
  markWritten(state, dest);
}

/** Records a path and its ancestors as belonging to the current layer (an opaque whiteout keeps them). */
function markWritten(state: UnpackState, components: string[]): void {
  for (let i = 1; i <= components.length; i++) state.writtenThisLayer.add(components.slice(0, i).join('/'));
}

/**
 * Resolves `components` (already free of `..`) to real components inside root, following
 * symlinks scoped to the root. With createMissing, missing directories are created (the last
 * component included, when followed). The last component is returned unresolved when followLast
 * is false, or when it does not exist and createMissing is false.
 */
export async function resolveInRoot(root: string, components: string[], opts: { followLast: boolean; createMissing: boolean }): Promise<string[]> {
  let resolved: string[] = [];
  const queue = [...components];
  let hops = 0;
  while (queue.length > 0) {
    const component = queue.shift()!;
    if (component === '' || component === '.') continue;
    if (component === '..') {
      resolved.pop();
      continue;
    }
    const isLast = queue.length === 0;
    const candidate = [...resolved, component];
    if (isLast && !opts.followLast) return candidate;
    const path = join(root, ...candidate);
    const st = await lstat(path).catch(() => undefined);
    if (!st) {
      if (!opts.createMissing && isLast) return candidate;
      if (!opts.createMissing) throw new Error(`"${components.join('/')}": "${candidate.join('/')}" does not exist`);
      await mkdir(path, { mode: 0o755 });
      resolved = candidate;
      continue;
    }
    if (st.isSymbolicLink()) {
      if (++hops > MAX_SYMLINK_HOPS) throw new HostileLayerError(`"${components.join('/')}": too many levels of symbolic links`);
      const target = await readlink(path);
      if (target.startsWith('/')) resolved = [];
      queue.unshift(...target.split('/'));
      continue;
    }
    if (!isLast && !st.isDirectory()) throw new Error(`"${components.join('/')}": "${candidate.join('/')}" is not a directory`);
    resolved = candidate;
  }
  return resolved;
}

/** Opaque whiteout: removes everything under `dir` that this layer did not itself write. */
async function clearLowerContent(state: UnpackState, dir: string[]): Promise<void> {
  const dirPath = join(state.root, ...dir);
  let names: string[];
  try {
    names = await readdir(dirPath);
  } catch {
    return;
  }
  for (const name of names) {
    const child = [...dir, name];
    const childPath = join(state.root, ...child);
    if (!state.writtenThisLayer.has(child.join('/'))) {
      await rm(childPath, { recursive: true, force: true });
    } else if ((await lstat(childPath)).isDirectory()) {
      await clearLowerContent(state, child);
    }
  }
}

async function finishDirectories(state: UnpackState): Promise<void> {
  const dirs = [...state.dirAttrs.entries()].sort((a, b) => b[0].split('/').length - a[0].split('/').length);
  for (const [rel, attrs] of dirs) {
    const path = join(state.root, ...rel.split('/'));
    const st = await lstat(path).catch(() => undefined);
    if (!st?.isDirectory()) continue;
    await chmod(path, attrs.mode);
    if (attrs.mtime) await utimes(path, attrs.mtime, attrs.mtime);
  }
}
