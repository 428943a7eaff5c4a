/** OCI / Docker v2 document shapes, media types, and platform selection. */
import type { ImageConfig } from './image.ts';

export const MediaType = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerForeignLayer: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
} as const;

export interface Platform { os: string; architecture: string; variant?: string }

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
  urls?: string[];
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

/** The OCI image config JSON (only the parts ksrv reads or writes). */
export interface OciImageConfig {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  variant?: string;
  config?: {
    User?: string;
    ExposedPorts?: Record<string, object>;
    Env?: string[];
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    Volumes?: Record<string, object>;
    WorkingDir?: string;
    Labels?: Record<string, string> | null;
    StopSignal?: string;
  };
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: Array<{ created?: string; created_by?: string; comment?: string; empty_layer?: boolean }>;
}

export const MANIFEST_ACCEPT = [MediaType.ociIndex, MediaType.dockerManifestList, MediaType.ociManifest, MediaType.dockerManifest];

export function isIndexMediaType(mediaType: string | undefined): boolean {
  return mediaType === MediaType.ociIndex || mediaType === MediaType.dockerManifestList;
}

export function isManifestMediaType(mediaType: string | undefined): boolean {
  return mediaType === MediaType.ociManifest || mediaType === MediaType.dockerManifest;
}

/** Classifies a parsed manifest document, using its mediaType or, when absent, its shape. */
export function documentKind(doc: unknown): 'index' | 'manifest' | 'unknown' {
  if (typeof doc !== 'object' || doc === null) return 'unknown';
  const d = doc as { mediaType?: string; schemaVersion?: number; manifests?: unknown; config?: unknown; layers?: unknown };
  if (d.schemaVersion !== 2) return 'unknown';
  if (isIndexMediaType(d.mediaType)) return 'index';
  if (isManifestMediaType(d.mediaType)) return 'manifest';
  if (d.mediaType === undefined && Array.isArray(d.manifests)) return 'index';
  if (d.mediaType === undefined && d.config && Array.isArray(d.layers)) return 'manifest';
  return 'unknown';
}

export function hostPlatform(): Platform {
  const arch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return { os: 'linux', architecture: arch[process.arch] ?? process.arch };
}

/** Picks the manifest for the host platform (linux/<host arch>) from an index; undefined when none fits. */
export function selectPlatform(index: ImageIndex, want: Platform = hostPlatform()): Descriptor | undefined {
  const candidates = index.manifests.filter((m) => isManifestMediaType(m.mediaType) || m.mediaType === undefined);
  const fits = candidates.filter((m) => m.platform && m.platform.os === want.os && m.platform.architecture === want.architecture);
  if (fits.length > 0) {
    return fits.find((m) => want.variant === undefined || m.platform?.variant === want.variant) ?? fits[0];
  }
  // An index without platforms (e.g. a single-image OCI layout) is taken as it is.
  const unlabelled = candidates.filter((m) => !m.platform);
  return unlabelled.length === 1 ? unlabelled[0] : undefined;
}

export function describePlatforms(index: ImageIndex): string {
  const list = index.manifests.map((m) => m.platform ? `${m.platform.os}/${m.platform.architecture}${m.platform.variant ? '/' + m.platform.variant : ''}` : 'unknown');
  return list.length ? list.join(', ') : 'none';
}

/** The runtime-relevant view of an image config JSON. */
export function toImageConfig(config: OciImageConfig): ImageConfig {
  const c = config.config ?? {};
  const out: ImageConfig = {};
  if (c.Entrypoint) out.entrypoint = [...c.Entrypoint];
  if (c.Cmd) out.cmd = [...c.Cmd];
  if (c.Env) out.env = [...c.Env];
  if (c.WorkingDir) out.workingDir = c.WorkingDir;
  if (c.User) out.user = c.User;
  if (c.ExposedPorts) out.exposedPorts = Object.keys(c.ExposedPorts);
  if (c.Labels) out.labels = { ...c.Labels };
  return out;
}
