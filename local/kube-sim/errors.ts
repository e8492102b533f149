/**
 * API errors in the shape a real kube-apiserver sends them: a `Status` object whose `reason` and
 * `code` clients branch on (client-node surfaces them as ApiException.code and .body).
 */
export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'UnsupportedMediaType'
  | 'TooManyRequests'
  | 'InternalError'
  | 'ServiceUnavailable';

export interface StatusCause {
  reason: string;
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

export interface Status {
  apiVersion: 'v1';
  kind: 'Status';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: StatusReason;
  details?: StatusDetails;
  code: number;
}

export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
  }

  toStatus(): Status {
    return {
      apiVersion: 'v1',
      kind: 'Status',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

/** What a resource is called in messages: `deployments.apps`, or `pods` for the core group. */
export interface ResourceName {
  plural: string;
  group: string;
  kind: string;
}

function qualified(resource: ResourceName): string {
  return resource.group ? `${resource.plural}.${resource.group}` : resource.plural;
}

export function successStatus(code: number, details?: StatusDetails): Status {
  return {
    apiVersion: 'v1',
    kind: 'Status',
    metadata: {},
    status: 'Success',
    ...(details ? { details } : {}),
    code,
  };
}

export const apiErrors = {
  notFound(resource: ResourceName, name: string): KubeApiError {
    return new KubeApiError(404, 'NotFound', `${qualified(resource)} "${name}" not found`, {
      name,
      group: resource.group,
      kind: resource.plural,
    });
  },
  unknownPath(path: string): KubeApiError {
    return new KubeApiError(404, 'NotFound', `the server could not find the requested resource (${path})`);
  },
  alreadyExists(resource: ResourceName, name: string): KubeApiError {
    return new KubeApiError(409, 'AlreadyExists', `${qualified(resource)} "${name}" already exists`, {
      name,
      group: resource.group,
      kind: resource.plural,
    });
  },
  conflict(resource: ResourceName, name: string, why: string): KubeApiError {
    return new KubeApiError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${qualified(resource)} "${name}": ${why}`,
      { name, group: resource.group, kind: resource.plural },
    );
  },
  invalid(resource: ResourceName, name: string, causes: StatusCause[]): KubeApiError {
    const summary = causes.map((cause) => `${cause.field}: ${cause.message}`).join(', ');
    return new KubeApiError(422, 'Invalid', `${resource.kind} "${name}" is invalid: ${summary}`, {
      name,
      group: resource.group,
      kind: resource.kind,
      causes,
    });
  },
  badRequest(message: string): KubeApiError {
    return new KubeApiError(400, 'BadRequest', message);
  },
  methodNotAllowed(method: string, path: string): KubeApiError {
    return new KubeApiError(
      405,
      'MethodNotAllowed',
      `the server does not allow this method (${method}) on ${path}`,
    );
  },
  unsupportedMediaType(contentType: string, accepted: readonly string[]): KubeApiError {
    return new KubeApiError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format (${contentType || 'no Content-Type'}) - accepted media types include: ${accepted.join(', ')}`,
    );
  },
  unauthorized(why: string): KubeApiError {
    return new KubeApiError(401, 'Unauthorized', `Unauthorized: ${why}`);
  },
  forbidden(message: string, details?: StatusDetails): KubeApiError {
    return new KubeApiError(403, 'Forbidden', message, details);
  },
  tooManyRequests(message: string, causes: StatusCause[], retryAfterSeconds?: number): KubeApiError {
    return new KubeApiError(429, 'TooManyRequests', message, {
      causes,
      ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
    });
  },
  internal(message: string): KubeApiError {
    return new KubeApiError(500, 'InternalError', `Internal error occurred: ${message}`);
  },
};

/** Invalid-field cause, as `field.Invalid` builds it on the server. */
export function invalidField(field: string, value: unknown, why: string): StatusCause {
  return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(value)}: ${why}` };
}

export function requiredField(field: string): StatusCause {
  return { reason: 'FieldValueRequired', field, message: 'Required value' };
}

export function forbiddenField(field: string, why: string): StatusCause {
  return { reason: 'FieldValueForbidden', field, message: `Forbidden: ${why}` };
}
