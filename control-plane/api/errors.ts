// One typed API error, mapped to a metav1.Status in one place (toStatus). Everything that refuses a
// request throws ApiError; anything else that escapes is a bug and becomes a 500.

export type StatusReason =
  | "BadRequest"
  | "Unauthorized"
  | "Forbidden"
  | "NotFound"
  | "AlreadyExists"
  | "Conflict"
  | "Gone"
  | "Expired"
  | "Invalid"
  | "MethodNotAllowed"
  | "NotAcceptable"
  | "RequestEntityTooLarge"
  | "UnsupportedMediaType"
  | "TooManyRequests"
  | "InternalError"
  | "Timeout"
  | "ServiceUnavailable";

export interface StatusCause {
  reason?: string;
  message?: string;
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
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never> | { resourceVersion?: string };
  status: "Success" | "Failure";
  message?: string;
  reason?: StatusReason;
  details?: StatusDetails;
  code: number;
}

export class ApiError extends Error {
  readonly code: number;
  readonly reason: StatusReason;
  readonly details: StatusDetails | undefined;

  constructor(code: number, reason: StatusReason, message: string, details?: StatusDetails) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.reason = reason;
    this.details = details;
  }

  toStatus(): Status {
    const status: Status = {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
    if (this.details) status.details = this.details;
    return status;
  }
}

/** What the store answers when asked for a resource that does not exist (details.kind = plural). */
export function notFound(resource: string, name: string, group = ""): ApiError {
  const what = group ? `${resource}.${group}` : resource;
  return new ApiError(404, "NotFound", `${what} "${name}" not found`, { name, group, kind: resource });
}

export function alreadyExists(resource: string, name: string, group = ""): ApiError {
  const what = group ? `${resource}.${group}` : resource;
  return new ApiError(409, "AlreadyExists", `${what} "${name}" already exists`, { name, group, kind: resource });
}

export function conflict(resource: string, name: string, group = ""): ApiError {
  const what = group ? `${resource}.${group}` : resource;
  return new ApiError(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${what} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, group, kind: resource },
  );
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, "BadRequest", message);
}

/** A 422 whose causes name each offending field, as kube-apiserver's field.ErrorList does. */
export function invalid(kind: string, name: string, causes: StatusCause[], group = ""): ApiError {
  const list = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : (c.message ?? ""))).join(", ");
  const what = group ? `${kind}.${group}` : kind;
  const message =
    causes.length === 1 ? `${what} "${name}" is invalid: ${list}` : `${what} "${name}" is invalid: [${list}]`;
  return new ApiError(422, "Invalid", message, { name, group, kind, causes });
}

export function forbidden(message: string, details?: StatusDetails): ApiError {
  return new ApiError(403, "Forbidden", message, details);
}

export function unauthorized(): ApiError {
  return new ApiError(401, "Unauthorized", "Unauthorized");
}

export function expired(message: string): ApiError {
  return new ApiError(410, "Expired", message);
}

export function tooLarge(message: string): ApiError {
  return new ApiError(413, "RequestEntityTooLarge", message);
}

export function unsupportedMediaType(contentType: string): ApiError {
  return new ApiError(415, "UnsupportedMediaType", `the body of the request was in an unknown format: ${contentType}`);
}

export function internalError(message: string): ApiError {
  return new ApiError(500, "InternalError", message);
}

/** Anything thrown, as a Status: ApiErrors keep their code; anything else is an internal error. */
export function toStatus(err: unknown): Status {
  if (err instanceof ApiError) return err.toStatus();
  const message = err instanceof Error ? err.message : String(err);
  return internalError(`Internal error occurred: ${message}`).toStatus();
}
