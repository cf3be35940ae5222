// Bodies that are not stored objects: Scale (deployments/scale, replicasets/scale), Binding
// (pods/binding), Eviction (pods/eviction) and DeleteOptions (any DELETE), each decoded with the
// same fieldValidation rules and validated as upstream validates them.

import type { z } from "zod";
import { type Scale, scaleSchema } from "../../../schemas/autoscaling/scale.ts";
import { type Binding, bindingSchema } from "../../../schemas/core/pod.ts";
import { type DeleteOptions, deleteOptionsSchema } from "../../../schemas/meta.ts";
import { isRecord } from "../../../schemas/object.ts";
import { type Eviction, evictionSchema } from "../../../schemas/policy/eviction.ts";
import { badRequest, type StatusCause } from "../errors.ts";
import type { FieldValidation } from "../strategy.ts";
import { checkTypeMeta } from "./base.ts";
import { decodeWithSchema } from "./decode.ts";
import { invalid, notSupported, required } from "./field.ts";
import { nameIsDNSSubdomain, validateObjectMeta } from "./meta.ts";

export interface BodyCodec<T> {
  decode(body: unknown, mode: FieldValidation): { object: T; warnings: string[] };
  validate(obj: T): StatusCause[];
}

function typedBody<T extends { apiVersion: string; kind: string; metadata: object }>(
  schema: z.ZodType<T>,
  apiVersion: string,
  kind: string,
  validate: (obj: T) => StatusCause[],
): BodyCodec<T> {
  const version = apiVersion.slice(apiVersion.indexOf("/") + 1);
  return {
    decode: (body, mode) => decodeWithSchema(schema, checkTypeMeta(body, apiVersion, kind), mode, { kind, version }),
    validate,
  };
}

export function validateScale(scale: Scale): StatusCause[] {
  const causes = validateObjectMeta(scale.metadata, true, nameIsDNSSubdomain);
  const replicas = scale.spec?.replicas ?? 0;
  if (replicas < 0) causes.push(invalid("spec.replicas", replicas, "must be greater than or equal to 0"));
  return causes;
}

export function validateBinding(binding: Binding): StatusCause[] {
  const causes: StatusCause[] = [];
  const target = binding.target ?? {};
  if (target.kind && target.kind !== "Node") causes.push(notSupported("target.kind", target.kind, ["Node", "<empty>"]));
  if (!target.name) causes.push(required("target.name"));
  return causes;
}

const PROPAGATION = ["Foreground", "Background", "Orphan", "nil"];

export function validateDeleteOptions(options: DeleteOptions): StatusCause[] {
  const causes: StatusCause[] = [];
  if (options.orphanDependents !== undefined && options.propagationPolicy !== undefined) {
    causes.push(
      invalid(
        "propagationPolicy",
        options.propagationPolicy,
        "orphanDependents and deletionPropagation cannot be both set",
      ),
    );
  }
  const policy = options.propagationPolicy;
  if (policy !== undefined && !["Foreground", "Background", "Orphan"].includes(policy)) {
    causes.push(notSupported("propagationPolicy", policy, PROPAGATION));
  }
  if ((options.dryRun ?? []).some((v) => v !== "All")) causes.push(notSupported("dryRun", options.dryRun, ["All"]));
  return causes;
}

export const scaleBody = typedBody<Scale>(scaleSchema, "autoscaling/v1", "Scale", validateScale);
export const bindingBody = typedBody<Binding>(bindingSchema, "v1", "Binding", validateBinding);
export const evictionBody = typedBody<Eviction>(evictionSchema, "policy/v1", "Eviction", (e) =>
  e.deleteOptions ? validateDeleteOptions(e.deleteOptions) : [],
);

/**
 * DeleteOptions may come without apiVersion and kind (kubectl sends `{"propagationPolicy":...}`)
 * and under any group's version, as upstream registers them in every group.
 */
export const deleteOptionsBody = {
  decode(body: unknown, mode: FieldValidation): { object: DeleteOptions; warnings: string[] } {
    if (!isRecord(body)) throw badRequest("json: cannot unmarshal non-object into Go value of type v1.DeleteOptions");
    if (typeof body.kind === "string" && body.kind !== "" && body.kind !== "DeleteOptions") {
      throw badRequest(`the kind in the data (${body.kind}) does not match the expected kind (DeleteOptions)`);
    }
    return decodeWithSchema(deleteOptionsSchema, body, mode, { kind: "DeleteOptions", version: "v1" });
  },
  validate: validateDeleteOptions,
};
