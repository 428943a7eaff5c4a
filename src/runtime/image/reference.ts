/**
 * Image references, normalised the way Docker does it:
 * `nginx` → `docker.io/library/nginx:latest`, `quay.io/a/b@sha256:…` keeps its digest.
 */

export interface ImageReference {
  /** Registry host with optional port, e.g. `docker.io`, `127.0.0.1:5000`. */
  domain: string;
  /** Path inside the registry, e.g. `library/nginx`. */
  path: string;
  tag?: string;
  digest?: string;
}

export class InvalidReferenceError extends Error {
  constructor(readonly ref: string, reason: string) {
    super(`invalid reference format "${ref}": ${reason}`);
    this.name = 'InvalidReferenceError';
  }
}

const DEFAULT_DOMAIN = 'docker.io';
const DEFAULT_TAG = 'latest';
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$/;
export const DIGEST = /^sha256:[a-f0-9]{64}$/;

export function parseReference(ref: string): ImageReference {
  if (ref === '') throw new InvalidReferenceError(ref, 'empty reference');
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw new InvalidReferenceError(ref, `invalid digest "${digest}" (expected sha256:<64 hex>)`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw new InvalidReferenceError(ref, `invalid tag "${tag}"`);
  }
  let domain = DEFAULT_DOMAIN;
  let path = rest;
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost' || first.toLowerCase() !== first) {
      domain = first;
      path = rest.slice(slash + 1);
    }
  }
  if (!DOMAIN.test(domain)) throw new InvalidReferenceError(ref, `invalid registry "${domain}"`);
  if (domain === 'index.docker.io') domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !path.includes('/')) path = `library/${path}`;
  for (const component of path.split('/')) {
    if (!PATH_COMPONENT.test(component)) {
      throw new InvalidReferenceError(ref, /[A-Z]/.test(component)
        ? 'repository name must be lowercase'
        : `invalid repository name component "${component}"`);
    }
  }
  if (domain.length + 1 + path.length > 255) throw new InvalidReferenceError(ref, 'repository name must not be more than 255 characters');
  if (!tag && !digest) tag = DEFAULT_TAG;
  const parsed: ImageReference = { domain, path };
  if (tag) parsed.tag = tag;
  if (digest) parsed.digest = digest;
  return parsed;
}

/** `docker.io/library/nginx` */
export function repositoryOf(ref: ImageReference): string {
  return `${ref.domain}/${ref.path}`;
}

/** Canonical string: `repo@digest` when a digest is present (it wins over the tag), else `repo:tag`. */
export function formatReference(ref: ImageReference): string {
  return ref.digest ? `${repositoryOf(ref)}@${ref.digest}` : `${repositoryOf(ref)}:${ref.tag ?? DEFAULT_TAG}`;
}

/** Normalises a user-supplied reference to its canonical string. */
export function normalizeReference(ref: string): string {
  return formatReference(parseReference(ref));
}

/** Whether plain http may be used: only registries on the loopback interface. */
export function isLoopbackRegistry(domain: string): boolean {
  const host = domain.replace(/:[0-9]+$/, '');
  return host === 'localhost' || host === '127.0.0.1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
