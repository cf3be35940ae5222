// Builds a ResourceStrategy from a kind's schema and its rules, so each kind's file holds only what
// differs: defaults, validation, immutability. Shared here: TypeMeta checks, fieldValidation, and
// ObjectMeta validation on create and update.

import type { z } from "zod";
import type { KubeObject } from "../../../schemas/object.ts";
import { apiVersionOf, type ResourceType, resourceForKind } from "../../../schemas/registry.ts";
import { badRequest, type StatusCause } from "../errors.ts";
import type { Decoded, FieldValidation, ResourceStrategy } from "../strategy.ts";
import { decodeWithSchema } from "./decode.ts";
import { type NameCheck, nameIsDNSSubdomain, validateObjectMeta, validateObjectMetaUpdate } from "./meta.ts";

export interface KindRules<T extends KubeObject> {
  resource: ResourceType;
  schema: z.ZodType<T>;
  /** How metadata.name is checked (most kinds: DNS-1123 subdomain). */
  nameCheck?: NameCheck;
  /** core/v1 Events skip ObjectMeta validation, as upstream does for backwards compatibility. */
  skipMetaValidation?: boolean;
  hasStatus: boolean;
  tracksGeneration: boolean;
  applyDefaults?(obj: T): void;
  /** Kind-specific validation; ObjectMeta is checked by the base. */
  validate?(obj: T): StatusCause[];
  /** Kind-specific update rules (immutable fields); ObjectMeta is checked by the base. */
  validateUpdate?(obj: T, old: T): StatusCause[];
  prepareForCreate?(obj: T): void;
}

/** Refuses a body that names another kind; fills apiVersion and kind when the body leaves them out. */
export function checkTypeMeta(body: unknown, apiVersion: string, kind: string): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    const got = Array.isArray(body) ? "array" : body === null ? "null" : typeof body;
    throw badRequest(`json: cannot unmarshal ${got} into Go value of type ${kind}`);
  }
  const record = body as Record<string, unknown>;
  if (typeof record.apiVersion === "string" && record.apiVersion !== "" && record.apiVersion !== apiVersion) {
    throw badRequest(
      `the API version in the data (${record.apiVersion}) does not match the expected API version (${apiVersion})`,
    );
  }
  if (typeof record.kind === "string" && record.kind !== "" && record.kind !== kind) {
    throw badRequest(`the kind in the data (${record.kind}) does not match the expected kind (${kind})`);
  }
  if (record.apiVersion === apiVersion && record.kind === kind) return record;
  return { ...record, apiVersion, kind };
}

/** The registry entry of a kind; the strategies are written for kinds the registry lists. */
export function resourceOf(apiVersion: string, kind: string): ResourceType {
  const r = resourceForKind(apiVersion, kind);
  if (!r) throw new Error(`${apiVersion}/${kind} is not in schemas/registry.ts`);
  return r;
}

export function defineStrategy<T extends KubeObject>(rules: KindRules<T>): ResourceStrategy<T> {
  const { resource, schema } = rules;
  const apiVersion = apiVersionOf(resource);
  const target = { kind: resource.kind, version: resource.version };
  const nameCheck = rules.nameCheck ?? nameIsDNSSubdomain;
  return {
    schema,
    decode(body: unknown, mode: FieldValidation): Decoded<T> {
      return decodeWithSchema(schema, checkTypeMeta(body, apiVersion, resource.kind), mode, target);
    },
    applyDefaults(obj: T): void {
      rules.applyDefaults?.(obj);
    },
    validate(obj: T): StatusCause[] {
      const causes = rules.skipMetaValidation ? [] : validateObjectMeta(obj.metadata, resource.namespaced, nameCheck);
      if (rules.validate) causes.push(...rules.validate(obj));
      return causes;
    },
    validateUpdate(obj: T, old: T): StatusCause[] {
      const causes = rules.skipMetaValidation ? [] : validateObjectMetaUpdate(obj.metadata, old.metadata);
      if (rules.validateUpdate) causes.push(...rules.validateUpdate(obj, old));
      return causes;
    },
    hasStatus: rules.hasStatus,
    tracksGeneration: rules.tracksGeneration,
    prepareForCreate(obj: T): void {
      rules.prepareForCreate?.(obj);
    },
  };
}
