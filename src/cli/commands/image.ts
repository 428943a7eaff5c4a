/** `ksrv image import|build|pull|ls|rm`: manage the local image store (works while `ksrv up` runs). */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { ImageStore, type ImageSummary } from '../../runtime/image/image-store.ts';

interface DataDirFlags { dataDir: string }

const DATA_DIR_HELP = 'where ksrv keeps its state; images live in DATA_DIR/images';

/** `print` receives each line of output (tests capture it; the CLI writes it to stdout). */
export function imageCommand(print: (line: string) => void = (line) => process.stdout.write(line + '\n')): Command {
  const image = new Command('image').description('manage the local image store (import, build, pull, list, remove)');
  const withDataDir = (cmd: Command): Command => cmd.option('--data-dir <dir>', DATA_DIR_HELP, join(homedir(), '.ksrv'));

  image.addCommand(withDataDir(new Command('import'))
    .description('import a docker save archive, an OCI archive (podman save --format oci-archive) or an OCI layout directory')
    .argument('<path>', 'archive file or OCI layout directory')
    .option('--tag <ref>', 'name the image REF instead of the names in the archive')
    .action(async (path: string, flags: DataDirFlags & { tag?: string }) => {
      await withStore(flags, async (store) => {
        const { digest, refs } = await store.importArchive(resolve(path), flags.tag ? { tag: flags.tag } : {});
        if (refs.length === 0) print(`Loaded image ${digest} (the archive names no image: give it one with --tag REF)`);
        for (const ref of refs) print(`Loaded image: ${ref} (${digest})`);
      });
    }));

  image.addCommand(withDataDir(new Command('build'))
    .description('build an image from a Containerfile/Dockerfile without running containers (FROM, COPY, ADD, ENV, WORKDIR, ENTRYPOINT, CMD, EXPOSE, USER, LABEL, ARG; no RUN)')
    .argument('<dir>', 'build context directory')
    .requiredOption('-t, --tag <ref>', 'name of the built image')
    .option('-f, --file <path>', 'Containerfile to use (default: DIR/Containerfile, else DIR/Dockerfile)')
    .option('--build-arg <key=value>', 'set a build argument (repeatable)', collect, [] as string[])
    .action(async (dir: string, flags: DataDirFlags & { tag: string; file?: string; buildArg: string[] }) => {
      const buildArgs: Record<string, string> = {};
      for (const kv of flags.buildArg) {
        const eq = kv.indexOf('=');
        if (eq <= 0) throw new Error(`--build-arg expects KEY=VALUE, got "${kv}"`);
        buildArgs[kv.slice(0, eq)] = kv.slice(eq + 1);
      }
      await withStore(flags, async (store) => {
        const { digest, refs } = await store.build(resolve(dir), flags.tag, { ...(flags.file ? { file: flags.file } : {}), buildArgs });
        print(`Built image: ${refs[0]} (${digest})`);
      });
    }));

  image.addCommand(withDataDir(new Command('pull'))
    .description('pull an image from a registry (credentials: DATA_DIR/auth.json, $KSRV_AUTH_FILE or $REGISTRY_AUTH_FILE)')
    .argument('<ref>', 'image reference, e.g. nginx:1.27 or registry.example.com/app@sha256:...')
    .action(async (ref: string, flags: DataDirFlags) => {
      await withStore(flags, async (store) => {
        const { digest, refs } = await store.pull(ref);
        print(`Pulled ${refs[0]}\nDigest: ${digest}`);
      });
    }));

  image.addCommand(withDataDir(new Command('ls').alias('list'))
    .description('list stored images')
    .action(async (flags: DataDirFlags) => {
      await withStore(flags, async (store) => print(formatTable(await store.list())));
    }));

  image.addCommand(withDataDir(new Command('rm').alias('remove'))
    .description('remove image references (REF, NAME@DIGEST or a bare sha256 digest) and the data no reference uses any more')
    .argument('<refs...>', 'references to remove')
    .action(async (refs: string[], flags: DataDirFlags) => {
      await withStore(flags, async (store) => {
        for (const ref of refs) {
          const { untagged, deleted } = await store.remove(ref);
          for (const u of untagged) print(`Untagged: ${u}`);
          for (const d of deleted) print(`Deleted: ${d}`);
        }
      });
    }));
  return image;
}

async function withStore(flags: DataDirFlags, run: (store: ImageStore) => Promise<void>): Promise<void> {
  const store = ImageStore.open(resolve(flags.dataDir));
  try {
    await run(store);
  } finally {
    store.close();
  }
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function formatTable(images: ImageSummary[]): string {
  const rows = [['REPOSITORY', 'TAG', 'DIGEST', 'SIZE'], ...images.map((i) => [i.repository, i.tag ?? '<none>', i.digest, humanSize(i.size)])];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]! + 3))).join('')).join('\n');
}

/** Docker's style: decimal units, three significant digits (`5.8MB`). */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toPrecision(3).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '')}${units[unit]}`;
}
