// POST serviceaccounts/<name>/token (authentication.k8s.io/v1 TokenRequest), what `kubectl create
// token` uses: upstream's defaults and validation in front of mintServiceAccountToken.

import { ApiError } from "../../api/errors.ts";
import { API_AUDIENCE } from "../auth.ts";
import { decodeObjectBody, mediaType, readBody } from "../body.ts";
import { json } from "../respond.ts";
import { MIN_EXPIRATION_SECONDS, mintServiceAccountToken } from "../service-account-token.ts";
import type { ResourceRequest } from "./context.ts";

/** Upstream's default and ceiling: an hour when unset, at most 2^32 s (the floor is MIN_EXPIRATION_SECONDS). */
const DEFAULT_EXPIRATION_SECONDS = 3600;
const MAX_EXPIRATION_SECONDS = 2 ** 32;

interface TokenRequestSpec {
  audiences?: unknown;
  expirationSeconds?: unknown;
  boundObjectRef?: { kind?: unknown; apiVersion?: unknown; name?: unknown; uid?: unknown } | null;
}

function invalid(name: string, field: string, value: unknown, message: string): ApiError {
  return new ApiError(
    422,
    "Invalid",
    `TokenRequest.authentication.k8s.io "${name}" is invalid: ${field}: Invalid value: ${JSON.stringify(value)}: ${message}`,
    {
      name,
      group: "authentication.k8s.io",
      kind: "TokenRequest",
      causes: [{ reason: "FieldValueInvalid", field, message: `Invalid value: ${JSON.stringify(value)}: ${message}` }],
    },
  );
}

export async function createServiceAccountToken(req: ResourceRequest, name: string): Promise<Response> {
  const body = await decodeObjectBody(mediaType(req.request), await readBody(req.request));
  if (body.kind !== undefined && body.kind !== "TokenRequest")
    throw new ApiError(
      400,
      "BadRequest",
      `the kind in the data (${String(body.kind)}) does not match the expected kind (TokenRequest)`,
    );
  const spec = (body.spec ?? {}) as TokenRequestSpec;
  const expirationSeconds = spec.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS;
  if (typeof expirationSeconds !== "number" || !Number.isSafeInteger(expirationSeconds))
    throw invalid(name, "spec.expirationSeconds", expirationSeconds, "must be an integer");
  if (expirationSeconds < MIN_EXPIRATION_SECONDS)
    throw invalid(name, "spec.expirationSeconds", expirationSeconds, "may not specify a duration less than 10 minutes");
  if (expirationSeconds > MAX_EXPIRATION_SECONDS)
    throw invalid(
      name,
      "spec.expirationSeconds",
      expirationSeconds,
      "may not specify a duration larger than 2^32 seconds",
    );
  const audiences = Array.isArray(spec.audiences) && spec.audiences.length > 0 ? spec.audiences : [API_AUDIENCE];
  if (!audiences.every((a): a is string => typeof a === "string" && a !== ""))
    throw invalid(name, "spec.audiences", spec.audiences, "must be non-empty strings");
  const ref = spec.boundObjectRef ?? undefined;
  let boundPod: { name: string; uid?: string } | undefined;
  if (ref) {
    if (ref.kind !== "Pod")
      throw new ApiError(
        400,
        "BadRequest",
        `cannot bind token to object of type ${String(ref.apiVersion ?? "")}, Kind=${String(ref.kind ?? "")}`,
      );
    if (typeof ref.name !== "string" || ref.name === "")
      throw invalid(name, "spec.boundObjectRef.name", ref.name ?? "", "must name the pod");
    boundPod = { name: ref.name, ...(typeof ref.uid === "string" && ref.uid ? { uid: ref.uid } : {}) };
  }
  const { token, expiresAt, issued } = await mintServiceAccountToken(req.store, {
    namespace: req.namespace,
    serviceAccount: name,
    expirationSeconds,
    audiences,
    ...(boundPod ? { boundPod } : {}),
    ...(req.identity.node !== undefined ? { node: req.identity.node } : {}),
  });
  return json(
    {
      kind: "TokenRequest",
      apiVersion: "authentication.k8s.io/v1",
      metadata: { name, namespace: req.namespace, creationTimestamp: null },
      spec: {
        audiences,
        expirationSeconds,
        boundObjectRef: boundPod
          ? { kind: "Pod", apiVersion: "v1", name: boundPod.name, uid: issued.boundPodUid }
          : null,
      },
      status: { token, expirationTimestamp: expiresAt },
    },
    201,
  );
}
