// The stateless half of a write: the body checked against the URL, decoded with the kind's schema
// under the request's fieldValidation, defaulted, and validated. The store does the stateful half.

import type { KubeObject } from "../../schemas/object.ts";
import { apiVersionOf, type ResourceType } from "../../schemas/registry.ts";
import { admitObject } from "../api/admit.ts";
import { badRequest } from "../api/errors.ts";
import { strategyFor } from "../api/strategies/index.ts";
import type { FieldValidation } from "../api/strategy.ts";

/** Checks apiVersion/kind and namespace of a body against the URL it was sent to, filling them when absent. */
export function matchUrl(rt: ResourceType, body: Record<string, unknown>, namespace: string, name?: string): void {
  const apiVersion = apiVersionOf(rt);
  if (body.apiVersion === undefined || body.apiVersion === "") body.apiVersion = apiVersion;
  if (body.kind === undefined || body.kind === "") body.kind = rt.kind;
  if (body.apiVersion !== apiVersion) {
    throw badRequest(
      `the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${apiVersion})`,
    );
  }
  if (body.kind !== rt.kind)
    throw badRequest(`the kind in the data (${String(body.kind)}) does not match the expected kind (${rt.kind})`);
  const meta = (body.metadata ?? {}) as Record<string, unknown>;
  if (typeof body.metadata !== "object" || body.metadata === null || Array.isArray(body.metadata)) {
    if (body.metadata !== undefined) throw badRequest("metadata must be an object");
    body.metadata = meta;
  }
  if (rt.namespaced) {
    if (meta.namespace !== undefined && meta.namespace !== "" && meta.namespace !== namespace) {
      throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
    }
    meta.namespace = namespace;
  }
  if (name !== undefined) {
    if (meta.name !== undefined && meta.name !== "" && meta.name !== name) {
      throw badRequest(`the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`);
    }
    meta.name = name;
  }
}

export interface Admitted {
  object: KubeObject;
  warnings: string[];
}

/** Decode, default and validate an object body for a create (or, with `create: false`, an update). */
export function admit(
  rt: ResourceType,
  body: Record<string, unknown>,
  mode: FieldValidation,
  create: boolean,
): Admitted {
  const { object, warnings } = strategyFor(rt).decode(body, mode);
  admitObject(rt, object, create);
  return { object, warnings };
}
