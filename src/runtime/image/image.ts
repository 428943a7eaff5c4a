/**
 * What the instance runtime needs from the image store: resolve a reference to an immutable
 * digest (pulling it when it is not stored), and an unpacked root filesystem for that digest.
 * A revision resolves its image once, when it is created, and records the digest in
 * status.containerStatuses[].imageDigest; later tag moves do not change what it runs.
 */

/** The runtime-relevant part of an OCI image config (`config` object of the image config JSON). */
export interface ImageConfig {
  entrypoint?: string[];
  cmd?: string[];
  env?: string[];          // KEY=VALUE
  workingDir?: string;
  user?: string;
  exposedPorts?: string[]; // e.g. "8080/tcp"
  labels?: Record<string, string>;
}

export interface PreparedImage {
  /** The image's manifest digest, `sha256:<hex>`. */
  digest: string;
  config: ImageConfig;
  /** Absolute path of the unpacked root filesystem. Shared by all instances; treat as read-only. */
  rootfs: string;
}

export class ImageNotFoundError extends Error {
  constructor(readonly ref: string, reason: string) {
    super(reason);
    this.name = 'ImageNotFoundError';
  }
}

export interface ImageResolver {
  /** Reference (`name:tag`, `name@sha256:…`) → manifest digest. Pulls when not stored. Throws ImageNotFoundError. */
  resolve(ref: string): Promise<string>;
  /** Unpacks the layers of a stored digest once and returns its rootfs and config. */
  prepare(digest: string): Promise<PreparedImage>;
}
