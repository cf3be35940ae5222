// kube-apiserver's fieldValidation for JSON bodies, on top of a kind's zod schema. Unknown fields:
// Strict refuses them (400 `strict decoding error: unknown field "spec.foo"`), Warn drops and reports
// them, Ignore drops them. A wrong type is always a 400 worded as Go's JSON decoder words it. A
// null is the same as an absent field, as in Go, so `creationTimestamp: null` (kubectl's dry-run
// output) decodes. The common path (no unknown fields) parses once and copies nothing extra.

import type { z } from "zod";
import { type DecodeIssueParams, describeField } from "../../../schemas/kit.ts";
import { isRecord } from "../../../schemas/object.ts";
import { badRequest } from "../errors.ts";
import type { FieldValidation } from "../strategy.ts";
import { fastDecode } from "./fast-decode.ts";

/** Names the kind in the error prefix: `Deployment in version "v1" cannot be handled as a Deployment: ...`. */
export interface DecodeTarget {
  kind: string;
  version: string;
}

export interface DecodeResult<T> {
  object: T;
  warnings: string[];
}

type Path = readonly PropertyKey[];

export function decodeWithSchema<S extends z.ZodType>(
  schema: S,
  body: unknown,
  mode: FieldValidation,
  target?: DecodeTarget,
): DecodeResult<z.output<S>> {
  const input = dropNulls(body);
  const fast = fastDecode(schema, input);
  if (fast) return { object: fast.value, warnings: [] };
  const first = schema.safeParse(input);
  if (first.success) return { object: first.data, warnings: [] };

  const unknown: Path[] = [];
  const typeErrors: z.core.$ZodIssue[] = [];
  for (const issue of first.error.issues) {
    if (issue.code === "unrecognized_keys") for (const k of issue.keys) unknown.push([...issue.path, k]);
    else typeErrors.push(issue);
  }
  const prefix = target ? `${target.kind} in version "${target.version}" cannot be handled as a ${target.kind}: ` : "";
  if (typeErrors.length > 0) {
    // Go's decoder stops at the first error in document order.
    typeErrors.sort((a, b) => compareDocumentOrder(input, a.path, b.path));
    const firstError = typeErrors[0];
    if (firstError) throw badRequest(prefix + describeIssue(schema, input, firstError));
  }
  unknown.sort((a, b) => compareDocumentOrder(input, a, b));
  const fields = unknown.map((p) => `unknown field "${formatPath(p)}"`);
  if (mode === "Strict") throw badRequest(`${prefix}strict decoding error: ${fields.join(", ")}`);

  const cleaned = structuredClone(input);
  for (const p of unknown) deleteAt(cleaned, p);
  const second = schema.safeParse(cleaned);
  if (!second.success) {
    const issue = second.error.issues[0];
    throw badRequest(prefix + (issue ? describeIssue(schema, cleaned, issue) : "invalid body"));
  }
  return { object: second.data, warnings: mode === "Warn" ? fields : [] };
}

/** A Kubernetes field path: `spec.template.spec.containers[0].image`. */
export function formatPath(path: Path): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out;
}

/** Removes null-valued keys (Go leaves the field at its zero value); copies only what changes. */
export function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      const cleaned = dropNulls(v);
      if (cleaned !== v) {
        out ??= value.slice();
        out[i] = cleaned;
      }
    }
    return out ?? value;
  }
  if (isRecord(value)) {
    let out: Record<string, unknown> | undefined;
    for (const k of Object.keys(value)) {
      const v = value[k];
      if (v === null) {
        out ??= { ...value };
        delete out[k];
        continue;
      }
      const cleaned = dropNulls(v);
      if (cleaned !== v) {
        out ??= { ...value };
        out[k] = cleaned;
      }
    }
    return out ?? value;
  }
  return value;
}

function childOf(value: unknown, seg: PropertyKey): unknown {
  if (Array.isArray(value) && typeof seg === "number") return value[seg];
  if (isRecord(value) && typeof seg === "string") return value[seg];
  return undefined;
}

function valueAt(root: unknown, path: Path): unknown {
  let v = root;
  for (const seg of path) v = childOf(v, seg);
  return v;
}

function deleteAt(root: unknown, path: Path): void {
  const parent = valueAt(root, path.slice(0, -1));
  const last = path[path.length - 1];
  if (isRecord(parent) && typeof last === "string") delete parent[last];
}

/** Orders two paths as their fields appear in the document (a parent before its children). */
function compareDocumentOrder(root: unknown, a: Path, b: Path): number {
  let node = root;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x !== y) {
      if (typeof x === "number" && typeof y === "number") return x - y;
      if (isRecord(node)) {
        const keys = Object.keys(node);
        return keys.indexOf(String(x)) - keys.indexOf(String(y));
      }
      return 0;
    }
    if (x !== undefined) node = childOf(node, x);
  }
  return a.length - b.length;
}

function jsonKind(value: unknown, goType: string): string {
  if (typeof value === "string") return "string";
  if (typeof value === "boolean") return "bool";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") {
    // Go names the literal when a number does not fit the integer type it was meant for.
    const isInt = /^u?int/.test(goType);
    const fits = Number.isInteger(value) && (goType !== "int32" || (value >= -(2 ** 31) && value < 2 ** 31));
    return isInt && !fits ? `number ${value}` : "number";
  }
  if (value === null || value === undefined) return "null";
  return "object";
}

function describeIssue(schema: z.ZodType, input: unknown, issue: z.core.$ZodIssue): string {
  const params = (issue.code === "custom" ? issue.params : undefined) as DecodeIssueParams | undefined;
  if (params?.decodeError) return params.decodeError;
  const field = describeField(schema, issue.path);
  const goType = params?.goType ?? field.goType;
  const got = jsonKind(valueAt(input, issue.path), goType);
  if (!field.struct || !field.goPath) return `json: cannot unmarshal ${got} into Go value of type ${goType}`;
  return `json: cannot unmarshal ${got} into Go struct field ${field.struct}.${field.goPath} of type ${goType}`;
}
