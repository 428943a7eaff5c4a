/**
 * ApiError carries everything needed to render a Kubernetes `Status` object.
 * Every layer (store, admission, registry, HTTP) throws these; the HTTP layer renders them once.
 */

export type StatusReason =
  | 'NotFound' | 'AlreadyExists' | 'Conflict' | 'Invalid' | 'BadRequest' | 'Expired' | 'Gone'
  | 'UnsupportedMediaType' | 'Unauthorized' | 'Forbidden' | 'MethodNotAllowed' | 'NotAcceptable'
  | 'RequestEntityTooLarge' | 'InternalError' | 'Timeout' | 'ServiceUnavailable';

export interface StatusCause {
  reason?: string;   // FieldValueRequired, FieldValueInvalid, FieldManagerConflict, ...
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

const BRAND = Symbol.for('ksrv.ApiError');

export class ApiError extends Error {
  readonly [BRAND] = true;
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  static isApiError(x: unknown): x is ApiError {
    return typeof x === 'object' && x !== null && (x as any)[BRAND] === true;
  }

  toStatus(): Record<string, unknown> {
    const s: Record<string, unknown> = {
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
      message: this.message, reason: this.reason,
    };
    if (this.details) s.details = this.details;
    s.code = this.code;
    return s;
  }
}

/** `services.serving.knative.dev` style qualified resource name. */
export interface GroupResource { group: string; resource: string }

function qualified(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

export const errors = {
  notFound(gr: GroupResource, name: string): ApiError {
    return new ApiError(404, 'NotFound', `${qualified(gr)} "${name}" not found`,
      { name, group: gr.group, kind: gr.resource });
  },
  pathNotFound(): ApiError {
    return new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  },
  alreadyExists(gr: GroupResource, name: string): ApiError {
    return new ApiError(409, 'AlreadyExists', `${qualified(gr)} "${name}" already exists`,
      { name, group: gr.group, kind: gr.resource });
  },
  conflict(gr: GroupResource, name: string, why = 'the object has been modified; please apply your changes to the latest version and try again'): ApiError {
    return new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(gr)} "${name}": ${why}`,
      { name, group: gr.group, kind: gr.resource });
  },
  /** 422 Invalid. `kind` is the Kind (e.g. "Service"), as kubectl builds its headline from it. */
  invalid(kind: string, group: string, name: string, causes: StatusCause[]): ApiError {
    const gk = group ? `${kind}.${group}` : kind;
    const msg = causes.length === 1
      ? `${gk} "${name}" is invalid: ${causes[0]!.field ? causes[0]!.field + ': ' : ''}${causes[0]!.message}`
      : `${gk} "${name}" is invalid: [${causes.map((c) => (c.field ? c.field + ': ' : '') + c.message).join(', ')}]`;
    return new ApiError(422, 'Invalid', msg, { name, group, kind, causes });
  },
  badRequest(message: string): ApiError {
    return new ApiError(400, 'BadRequest', message);
  },
  gone(message: string): ApiError {
    return new ApiError(410, 'Expired', message);
  },
  unsupportedMediaType(message = 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml'): ApiError {
    return new ApiError(415, 'UnsupportedMediaType', message);
  },
  unauthorized(): ApiError {
    return new ApiError(401, 'Unauthorized', 'Unauthorized');
  },
  methodNotAllowed(message = 'the server does not allow this method on the requested resource'): ApiError {
    return new ApiError(405, 'MethodNotAllowed', message);
  },
  internal(message: string): ApiError {
    return new ApiError(500, 'InternalError', `Internal error occurred: ${message}`);
  },
};
