/**
 * `ksrv image build`: turns a Containerfile/Dockerfile into an OCI image without running anything.
 * Only steps that need no container are supported; all COPY/ADD/WORKDIR steps go into one new
 * gzip layer on top of the base image's layers.
 */
import { HOST_PATHS_LABEL, parseHostPaths } from '../sandbox/host-paths.ts';
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, readdir, readFile, readlink, realpath, rm, stat } from 'node:fs/promises';
import { basename, isAbsolute, join, posix, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { BlobStore, HashingStream } from './blob-store.ts';
import { ContainerfileError, parseContainerfile, parseKeyValues, splitWords, substitute, type Instruction } from './containerfile.ts';
import { hostPlatform, MediaType, type Descriptor, type ImageManifest, type OciImageConfig } from './oci.ts';
import { isGzipMagic, readHead } from './fs-util.ts';
import { entryComponents, resolveInRoot } from './unpack.ts';

export interface BuildOptions {
  /** Containerfile path; default `<dir>/Containerfile`, else `<dir>/Dockerfile`. */
  file?: string;
  buildArgs?: Record<string, string>;
}

export interface BaseImage {
  manifest: ImageManifest;
  config: OciImageConfig;
  /** Unpacked root filesystem, consulted for Docker's rule that COPY onto an existing directory copies into it. */
  rootfs: string;
}

export interface BuildDeps {
  blobs: BlobStore;
  /** Loads a stored (or pullable) base image for `FROM`. */
  loadBase(ref: string): Promise<BaseImage>;
}

const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const RUN_MESSAGE = 'RUN is not supported: ksrv builds images without running containers; build the binary on the host and COPY it in';
const UNSUPPORTED = new Set(['HEALTHCHECK', 'SHELL', 'ONBUILD']);

interface CopyStep {
  sources: string[];
  dest: string;
  isAdd: boolean;
  uid: number;
  gid: number;
  chmod?: number;
  line: number;
}

/** One tar entry of the new layer, with where its content comes from. */
interface LayerEntry {
  header: tar.Header | (Partial<tar.Header> & { name: string });
  file?: string;
  tarSource?: string;
}

/** Builds the image; returns its manifest digest (all blobs stored). */
export async function buildImage(contextDir: string, opts: BuildOptions, deps: BuildDeps): Promise<string> {
  const context = await realpath(resolve(contextDir)).catch(() => {
    throw new Error(`build context ${contextDir}: no such directory`);
  });
  const file = await findContainerfile(context, opts.file);
  const fileName = basename(file);
  const instructions = parseContainerfile(await readFile(file, 'utf8'), fileName);
  const fail = (ins: Instruction, message: string): never => {
    throw new ContainerfileError(fileName, ins.line, message);
  };

  const buildArgs = opts.buildArgs ?? {};
  const globalArgs: Record<string, string | undefined> = {};
  const stageArgs: Record<string, string | undefined> = {};
  let base: BaseImage | undefined;
  let config: OciImageConfig | undefined;
  let cmdSetHere = false;
  const steps: CopyStep[] = [];
  const workdirs: string[] = [];
  /** `content`: the step puts files into the new layer. */
  const history: Array<{ created_by: string; content: boolean }> = [];
  const env = (): Record<string, string | undefined> => {
    const vars: Record<string, string | undefined> = { ...stageArgs };
    for (const kv of config?.config?.Env ?? []) {
      const eq = kv.indexOf('=');
      vars[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
    return vars;
  };

  for (const ins of instructions) {
    const sub = (text: string): string => {
      try {
        return substitute(text, env());
      } catch (err) {
        return fail(ins, (err as Error).message);
      }
    };
    /** ENV and LABEL operands: `k=v ...` (or the legacy `k v`), variables substituted. */
    const keyValues = (i: Instruction): Array<[string, string]> => {
      try {
        return parseKeyValues(sub(i.rest), true);
      } catch (err) {
        return fail(i, (err as Error).message);
      }
    };
    if (ins.keyword === 'RUN') fail(ins, RUN_MESSAGE);
    if (!config && ins.keyword !== 'FROM' && ins.keyword !== 'ARG') fail(ins, `${ins.keyword} before FROM; the first instruction must be FROM`);
    switch (ins.keyword) {
      case 'ARG': {
        for (const word of splitWords(ins.rest)) {
          const eq = word.indexOf('=');
          const name = eq < 0 ? word : word.slice(0, eq);
          const dflt = eq < 0 ? undefined : (config ? substitute(word.slice(eq + 1), env()) : substitute(word.slice(eq + 1), globalArgs));
          if (!config) globalArgs[name] = buildArgs[name] ?? dflt;
          else stageArgs[name] = buildArgs[name] ?? dflt ?? globalArgs[name];
        }
        break;
      }
      case 'FROM': {
        if (config) fail(ins, 'multi-stage builds are not supported: use a single FROM');
        const words = splitWords(substitute(ins.rest, globalArgs));
        if (words.length !== 1 && !(words.length === 3 && words[1]!.toUpperCase() === 'AS')) fail(ins, `FROM expects an image (optionally "AS name"), got "${ins.rest}"`);
        const image = words[0]!;
        if (image === 'scratch') {
          const p = hostPlatform();
          config = { architecture: p.architecture, os: p.os, config: { Env: [DEFAULT_PATH] }, rootfs: { type: 'layers', diff_ids: [] }, history: [] };
        } else {
          try {
            base = await deps.loadBase(image);
          } catch (err) {
            fail(ins, `FROM ${image}: ${(err as Error).message}`);
          }
          config = structuredClone(base!.config);
          config.config ??= {};
          if (!config.config.Env?.some((e) => e.startsWith('PATH='))) config.config.Env = [DEFAULT_PATH, ...(config.config.Env ?? [])];
        }
        break;
      }
      case 'COPY':
      case 'ADD': {
        for (const flag of Object.keys(ins.flags)) {
          if (flag === 'from') fail(ins, `${ins.keyword} --from is not supported (multi-stage builds are not supported)`);
          if (!['chown', 'chmod', 'link'].includes(flag)) fail(ins, `${ins.keyword} --${flag} is not supported`);
        }
        const words = ins.json ? ins.json.map(sub) : splitWords(sub(ins.rest));
        if (words.length < 2) fail(ins, `${ins.keyword} requires at least one source and a destination`);
        const sources = words.slice(0, -1);
        for (const s of sources) {
          if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s) || s.startsWith('git@')) fail(ins, `ADD of URLs is not supported: download "${s}" on the host and COPY it in`);
        }
        const { uid, gid } = parseChown(ins.flags.chown ? sub(ins.flags.chown) : undefined, (m) => fail(ins, m));
        const step: CopyStep = { sources, dest: words[words.length - 1]!, isAdd: ins.keyword === 'ADD', uid, gid, line: ins.line };
        step.dest = posix.isAbsolute(step.dest) ? step.dest : posix.join(config!.config?.WorkingDir || '/', step.dest) + (step.dest.endsWith('/') ? '/' : '');
        if (ins.flags.chmod) {
          if (!/^[0-7]{3,4}$/.test(ins.flags.chmod)) fail(ins, `--chmod must be an octal mode, got "${ins.flags.chmod}"`);
          step.chmod = parseInt(ins.flags.chmod, 8);
        }
        steps.push(step);
        history.push({ created_by: `${ins.keyword} ${ins.rest} # ksrv build`, content: true });
        break;
      }
      case 'ENV': {
        const pairs = keyValues(ins);
        config!.config ??= {};
        const list = config!.config.Env ?? [];
        for (const [k, v] of pairs) {
          const i = list.findIndex((e) => e.startsWith(k + '='));
          if (i >= 0) list[i] = `${k}=${v}`;
          else list.push(`${k}=${v}`);
        }
        config!.config.Env = list;
        history.push({ created_by: `ENV ${ins.rest}`, content: false });
        break;
      }
      case 'LABEL': {
        const pairs = keyValues(ins);
        const hostPaths = pairs.find(([k]) => k === HOST_PATHS_LABEL);
        if (hostPaths) {
          try { parseHostPaths(hostPaths[1]); } catch (err) { fail(ins, (err as Error).message); }
        }
        config!.config ??= {};
        config!.config.Labels = { ...(config!.config.Labels ?? {}), ...Object.fromEntries(pairs) };
        history.push({ created_by: `LABEL ${ins.rest}`, content: false });
        break;
      }
      case 'WORKDIR': {
        const dir = splitWords(sub(ins.rest)).join(' ');
        if (!dir) fail(ins, 'WORKDIR requires a path');
        config!.config ??= {};
        config!.config.WorkingDir = posix.resolve(config!.config.WorkingDir || '/', dir);
        workdirs.push(config!.config.WorkingDir);
        history.push({ created_by: `WORKDIR ${ins.rest}`, content: true });
        break;
      }
      case 'ENTRYPOINT':
      case 'CMD': {
        const command = ins.json ?? (ins.rest ? ['/bin/sh', '-c', ins.rest] : []);
        config!.config ??= {};
        if (ins.keyword === 'ENTRYPOINT') {
          config!.config.Entrypoint = command.length ? command : null;
          // Docker: an ENTRYPOINT resets a CMD inherited from the base image.
          if (!cmdSetHere) config!.config.Cmd = null;
        } else {
          config!.config.Cmd = command.length ? command : null;
          cmdSetHere = true;
        }
        history.push({ created_by: `${ins.keyword} ${ins.rest}`, content: false });
        break;
      }
      case 'EXPOSE': {
        config!.config ??= {};
        const ports = { ...(config!.config.ExposedPorts ?? {}) };
        for (const p of splitWords(sub(ins.rest))) {
          const m = /^(\d{1,5})(?:\/(tcp|udp|sctp))?$/i.exec(p);
          if (!m || Number(m[1]) > 65535) fail(ins, `invalid port "${p}" (expected PORT or PORT/PROTOCOL)`);
          ports[`${m![1]}/${(m![2] ?? 'tcp').toLowerCase()}`] = {};
        }
        config!.config.ExposedPorts = ports;
        history.push({ created_by: `EXPOSE ${ins.rest}`, content: false });
        break;
      }
      case 'USER': {
        const user = splitWords(sub(ins.rest)).join(' ');
        if (!user) fail(ins, 'USER requires a user');
        config!.config ??= {};
        config!.config.User = user;
        history.push({ created_by: `USER ${ins.rest}`, content: false });
        break;
      }
      case 'STOPSIGNAL':
        config!.config ??= {};
        config!.config.StopSignal = sub(ins.rest).trim();
        break;
      case 'VOLUME': {
        config!.config ??= {};
        const vols = { ...(config!.config.Volumes ?? {}) };
        for (const v of ins.json ?? splitWords(sub(ins.rest))) vols[v] = {};
        config!.config.Volumes = vols;
        break;
      }
      case 'MAINTAINER':
        config!.author = ins.rest;
        break;
      default:
        if (UNSUPPORTED.has(ins.keyword)) fail(ins, `${ins.keyword} is not supported by ksrv image build`);
        fail(ins, `unknown instruction: ${ins.keyword}`);
    }
  }
  if (!config) throw new ContainerfileError(fileName, 1, 'no FROM instruction');

  const entries: LayerEntry[] = workdirs.map((dir) => ({ header: { name: dir.replace(/^\//, '') + '/', type: 'directory', mode: 0o755 } }));
  for (const step of steps) {
    try {
      entries.push(...await copyEntries(context, step, base?.rootfs));
    } catch (err) {
      throw new ContainerfileError(fileName, step.line, (err as Error).message);
    }
  }
  const created = process.env.SOURCE_DATE_EPOCH ? new Date(Number(process.env.SOURCE_DATE_EPOCH) * 1000).toISOString() : new Date().toISOString();
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: '', size: 0 },
    layers: [...(base?.manifest.layers ?? [])],
  };
  config.created = created;
  // All file-adding steps share one layer: the last of them carries it in the history, so that the
  // non-empty history entries still match the layers one to one.
  const layerStep = entries.length > 0 ? history.map((h) => h.content).lastIndexOf(true) : -1;
  config.history = [
    ...(config.history ?? []),
    ...history.map((h, i) => (i === layerStep ? { created, created_by: h.created_by } : { created, created_by: h.created_by, empty_layer: true })),
  ];
  if (entries.length > 0) {
    const { layer, diffId } = await writeLayer(entries, deps.blobs);
    manifest.layers.push(layer);
    config.rootfs = { type: 'layers', diff_ids: [...config.rootfs.diff_ids, diffId] };
  }
  const configBytes = Buffer.from(JSON.stringify(config));
  manifest.config = { mediaType: MediaType.ociConfig, digest: await deps.blobs.putBytes(configBytes), size: configBytes.length };
  return deps.blobs.putBytes(JSON.stringify(manifest));
}

async function findContainerfile(context: string, file: string | undefined): Promise<string> {
  if (file) {
    const path = isAbsolute(file) ? file : resolve(file);
    if (!(await stat(path).then((s) => s.isFile(), () => false))) throw new Error(`${file}: no such file`);
    return path;
  }
  for (const name of ['Containerfile', 'Dockerfile']) {
    const path = join(context, name);
    if (await stat(path).then((s) => s.isFile(), () => false)) return path;
  }
  throw new Error(`no Containerfile or Dockerfile in ${context} (use -f to name one)`);
}

function parseChown(value: string | undefined, fail: (m: string) => never): { uid: number; gid: number } {
  if (!value) return { uid: 0, gid: 0 };
  const [u, g] = value.split(':');
  const id = (x: string | undefined, fallback: number): number => {
    if (x === undefined || x === '') return fallback;
    if (x === 'root') return 0;
    if (/^\d+$/.test(x)) return Number(x);
    return fail(`--chown=${value}: only numeric ids (or root) are supported, as there is no /etc/passwd lookup`);
  };
  const uid = id(u, 0);
  return { uid, gid: id(g, uid) };
}

/** Expands the sources of one COPY/ADD step into layer entries, following Docker's rules. */
async function copyEntries(context: string, step: CopyStep, baseRootfs: string | undefined): Promise<LayerEntry[]> {
  const matches: string[] = [];
  for (const source of step.sources) {
    const found = await expandSource(context, source);
    if (found.length === 0) throw new Error(`${step.isAdd ? 'ADD' : 'COPY'} failed: "${source}" not found in the build context`);
    matches.push(...found);
  }
  const dest = step.dest.replace(/\/+$/, '') || '/';
  const destIsDir = step.dest.endsWith('/') || matches.length > 1 || (baseRootfs !== undefined && await isDirectoryIn(baseRootfs, dest));
  const entries: LayerEntry[] = [];
  for (const src of matches) {
    const st = await stat(src);
    if (st.isDirectory()) {
      await walkDirectory(src, dest, step, entries);
    } else if (step.isAdd && (await isTarArchive(src))) {
      entries.push({ header: { name: imageName(dest) + '/', type: 'directory', mode: 0o755, uid: step.uid, gid: step.gid }, tarSource: src });
    } else {
      const target = destIsDir ? posix.join(dest, basename(src)) : dest;
      entries.push(fileEntry(src, target, st.mode, st.mtime, step));
    }
  }
  return entries;
}

/** Whether `path` is a directory in an unpacked image (symlinks followed inside it). */
async function isDirectoryIn(rootfs: string, path: string): Promise<boolean> {
  try {
    const real = await resolveInRoot(rootfs, entryComponents(path), { followLast: true, createMissing: false });
    return (await lstat(join(rootfs, ...real))).isDirectory();
  } catch {
    return false;
  }
}

/** Resolves a source (with `*`, `?`, `[...]` globs) to paths inside the context. */
async function expandSource(context: string, source: string): Promise<string[]> {
  const lexical = resolve(context, source.replace(/^\/+/, ''));
  if (lexical !== context && !lexical.startsWith(context + sep)) throw new Error(`"${source}" is outside the build context`);
  const parts = source.split('/').filter((p) => p !== '' && p !== '.');
  let current = [context];
  for (const part of parts) {
    const next: string[] = [];
    for (const dir of current) {
      if (!/[*?[]/.test(part)) {
        next.push(join(dir, part));
        continue;
      }
      const re = globToRegExp(part);
      for (const name of (await readdir(dir).catch(() => [] as string[])).sort()) if (re.test(name)) next.push(join(dir, name));
    }
    current = next;
  }
  const out: string[] = [];
  for (const path of current) {
    const real = await realpath(path).catch(() => undefined);
    if (!real) continue;
    if (real !== context && !real.startsWith(context + sep)) throw new Error(`"${source}" is outside the build context`);
    out.push(real);
  }
  return out;
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += '[' + glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\') + ']';
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

async function walkDirectory(dir: string, dest: string, step: CopyStep, out: LayerEntry[]): Promise<void> {
  const st = await stat(dir);
  if (dest !== '/') out.push({ header: { name: imageName(dest) + '/', type: 'directory', mode: step.chmod ?? (st.mode & 0o7777), mtime: st.mtime, uid: step.uid, gid: step.gid } });
  for (const name of (await readdir(dir)).sort()) {
    const path = join(dir, name);
    const target = posix.join(dest, name);
    const ls = await lstat(path);
    if (ls.isDirectory()) await walkDirectory(path, target, step, out);
    else if (ls.isSymbolicLink()) out.push({ header: { name: imageName(target), type: 'symlink', linkname: await readlink(path), mode: 0o777, mtime: ls.mtime, uid: step.uid, gid: step.gid } });
    else if (ls.isFile()) out.push(fileEntry(path, target, ls.mode, ls.mtime, step));
  }
}

function fileEntry(src: string, target: string, mode: number, mtime: Date, step: CopyStep): LayerEntry {
  return { header: { name: imageName(target), type: 'file', mode: step.chmod ?? (mode & 0o7777), mtime, uid: step.uid, gid: step.gid }, file: src };
}

/** Absolute image path → tar entry name (`/app/x` → `app/x`). */
function imageName(path: string): string {
  return entryComponents(path).join('/');
}

async function isTarArchive(file: string): Promise<boolean> {
  const head = await readHead(file, 512);
  return isGzipMagic(head) || (head.length >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar');
}

/** Writes the tar of `entries`, gzip-compressed, into the blob store. */
async function writeLayer(entries: LayerEntry[], blobs: BlobStore): Promise<{ layer: Descriptor; diffId: string }> {
  const pack = tar.pack();
  const uncompressed = new HashingStream();
  const tmp = blobs.tempPath();
  const done = pipeline(pack as unknown as Readable, uncompressed, createGzip(), createWriteStream(tmp, { flags: 'wx' }));
  done.catch(() => {});
  try {
    for (const entry of entries) {
      if (entry.tarSource) await appendArchive(pack, entry.tarSource, entry.header.name);
      else if (entry.file) await appendFile(pack, entry.header, entry.file);
      else await new Promise<void>((res, rej) => pack.entry(entry.header, (err) => (err ? rej(err) : res())));
    }
    pack.finalize();
    await done;
    const { digest, size } = await blobs.adoptFile(tmp);
    return { layer: { mediaType: MediaType.ociLayerGzip, digest, size }, diffId: uncompressed.digest() };
  } finally {
    pack.destroy();
    await rm(tmp, { force: true });
  }
}

async function appendFile(pack: tar.Pack, header: LayerEntry['header'], file: string): Promise<void> {
  const size = (await stat(file)).size;
  let settle!: (err?: Error | null) => void;
  const finished = new Promise<void>((ok, fail) => { settle = (err) => (err ? fail(err) : ok()); });
  const sink = pack.entry({ ...header, size }, (err) => settle(err));
  for await (const chunk of createReadStream(file)) {
    if (!sink.write(chunk as Buffer)) await new Promise<void>((r) => sink.once('drain', () => r()));
  }
  sink.end(undefined);
  await finished;
}

/** ADD of a local tar (optionally gzip) archive: its entries are extracted under `destDir`. */
async function appendArchive(pack: tar.Pack, archive: string, destDir: string): Promise<void> {
  const extract = tar.extract();
  let source: Readable = createReadStream(archive);
  if (isGzipMagic(await readHead(archive, 2))) source = source.pipe(createGunzip());
  const feeding = pipeline(source, extract);
  feeding.catch(() => {});
  for await (const entry of extract) {
    const name = [...entryComponents(destDir), ...entryComponents(entry.header.name)].join('/');
    const header = { ...entry.header, name: entry.header.type === 'directory' ? name + '/' : name };
    if (entry.header.type === 'link') header.linkname = [...entryComponents(destDir), ...entryComponents(entry.header.linkname ?? '')].join('/');
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    await new Promise<void>((res, rej) => pack.entry(header, Buffer.concat(chunks), (err) => (err ? rej(err) : res())));
  }
  await feeding;
}
