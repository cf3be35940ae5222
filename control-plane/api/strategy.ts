// What the API server does with an object of one kind before it is stored, as kube-apiserver's
// registry strategies do. Pure functions: the Worker runs decode/default/validate (stateless), the
// store runs validateUpdate and the status/spec split (they need the stored object).

import type { z } from "zod";
import type { KubeObject } from "../../schemas/object.ts";
import type { StatusCause } from "./errors.ts";

/** kube-apiserver's fieldValidation query parameter. */
export type FieldValidation = "Strict" | "Warn" | "Ignore";

export interface Decoded<T extends KubeObject = KubeObject> {
  object: T;
  /** Unknown fields dropped under Warn, as `unknown field "spec.foo"`; sent back as Warning headers. */
  warnings: string[];
}

export interface ResourceStrategy<T extends KubeObject = KubeObject> {
  /** The kind's schema (also what /openapi/v3 publishes for it). */
  schema: z.ZodType;
  /**
   * Checks a body against the kind's schema. Unknown fields: Strict -> throws 400 BadRequest
   * `strict decoding error: unknown field "spec.foo"`; Warn -> dropped and reported; Ignore ->
   * dropped. Wrong types -> throws 400 BadRequest naming the field, as kube-apiserver's decoder does. Returns a new object.
   */
  decode(body: unknown, mode: FieldValidation): Decoded<T>;
  /** Fills what kube-apiserver defaults (imagePullPolicy, restartPolicy, strategy...), in place. */
  applyDefaults(obj: T): void;
  /** Validation of an object as created or updated, with Kubernetes field paths. */
  validate(obj: T): StatusCause[];
  /** What an update may not change (immutable fields), given the stored object. */
  validateUpdate(obj: T, old: T): StatusCause[];
  /** Whether the kind has a status subresource (a PUT to the object keeps the stored status). */
  hasStatus: boolean;
  /** Whether spec changes bump metadata.generation (every kind with a spec does). */
  tracksGeneration: boolean;
  /** What a create resets or fills before storing (a new Pod is Pending, a new Deployment has no status). */
  prepareForCreate(obj: T): void;
}
