// Query parameters of Kubernetes requests, checked as kube-apiserver checks them.

import { ApiError, badRequest, type StatusCause } from "../api/errors.ts";
import type { FieldValidation } from "../api/strategy.ts";
import type { ResourceVersionMatch } from "../durable-objects/store/types.ts";

function flag(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v === "true" || v === "1";
}

function integer(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === "") return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw badRequest(`invalid value for ${name}: "${v}" is not an integer`);
  return n;
}

export interface ListQuery {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: ResourceVersionMatch;
  watch: boolean;
  allowWatchBookmarks: boolean;
  sendInitialEvents?: boolean;
  timeoutSeconds?: number;
  includeObject: "None" | "Metadata" | "Object";
}

function invalidListOptions(causes: StatusCause[]): ApiError {
  const text = causes.map((c) => `${c.field}: ${c.message}`).join(", ");
  return new ApiError(
    422,
    "Invalid",
    `ListOptions.meta.k8s.io "" is invalid: ${causes.length > 1 ? `[${text}]` : text}`,
    {
      kind: "ListOptions",
      group: "meta.k8s.io",
      causes,
    },
  );
}

export function parseListQuery(q: URLSearchParams, forceWatch: boolean): ListQuery {
  const match = q.get("resourceVersionMatch") || undefined;
  if (match !== undefined && match !== "NotOlderThan" && match !== "Exact") {
    throw invalidListOptions([
      {
        reason: "FieldValueNotSupported",
        field: "resourceVersionMatch",
        message: `Unsupported value: "${match}": supported values: "Exact", "NotOlderThan"`,
      },
    ]);
  }
  const include = q.get("includeObject") || "Metadata";
  if (include !== "None" && include !== "Metadata" && include !== "Object")
    throw badRequest(`invalid includeObject: "${include}"`);
  const sendInitial = q.get("sendInitialEvents");
  const out: ListQuery = {
    labelSelector: q.get("labelSelector") ?? undefined,
    fieldSelector: q.get("fieldSelector") ?? undefined,
    limit: integer(q, "limit"),
    continue: q.get("continue") || undefined,
    resourceVersion: q.get("resourceVersion") ?? undefined,
    resourceVersionMatch: match,
    watch: forceWatch || flag(q, "watch"),
    allowWatchBookmarks: flag(q, "allowWatchBookmarks"),
    sendInitialEvents: sendInitial === null ? undefined : sendInitial === "true",
    timeoutSeconds: integer(q, "timeoutSeconds"),
    includeObject: include,
  };
  const causes: StatusCause[] = [];
  if (out.sendInitialEvents !== undefined) {
    if (!out.watch)
      causes.push({
        reason: "FieldValueForbidden",
        field: "sendInitialEvents",
        message: "Forbidden: sendInitialEvents is forbidden for list",
      });
    else if (out.resourceVersionMatch !== "NotOlderThan") {
      causes.push({
        reason: "FieldValueForbidden",
        field: "resourceVersionMatch",
        message: "Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
      });
    }
  } else if (out.watch && out.resourceVersionMatch !== undefined) {
    causes.push({
      reason: "FieldValueForbidden",
      field: "resourceVersionMatch",
      message: "Forbidden: resourceVersionMatch is forbidden for watch",
    });
  }
  if (!out.watch && out.resourceVersionMatch !== undefined && !out.resourceVersion) {
    causes.push({
      reason: "FieldValueForbidden",
      field: "resourceVersionMatch",
      message: "Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided",
    });
  }
  if (out.continue && out.resourceVersion && out.resourceVersion !== "0") {
    causes.push({
      reason: "FieldValueForbidden",
      field: "resourceVersion",
      message: "Forbidden: specifying resource version is not allowed when using continue",
    });
  }
  if (causes.length > 0) throw invalidListOptions(causes);
  return out;
}

export interface WriteQuery {
  dryRun: boolean;
  fieldManager?: string;
  fieldValidation: FieldValidation;
  force: boolean;
}

/** A write's options from its URL; most writes have no query at all, which needs no parse. */
export function parseWriteQuery(url: URL): WriteQuery {
  if (url.search === "") return { dryRun: false, fieldValidation: "Warn", force: false };
  const q = url.searchParams;
  const dryRun = q.getAll("dryRun");
  for (const d of dryRun) if (d !== "All") throw badRequest(`Invalid dry run value: ${d}; supported values: All`);
  const fv = q.get("fieldValidation") || "Warn";
  if (fv !== "Strict" && fv !== "Warn" && fv !== "Ignore") {
    throw badRequest(`fieldValidation: Unsupported value: "${fv}": supported values: "Ignore", "Strict", "Warn"`);
  }
  const fieldManager = q.get("fieldManager") ?? undefined;
  if (fieldManager !== undefined && fieldManager.length > 128)
    throw badRequest("fieldManager: Too long: may not be more than 128 bytes");
  return { dryRun: dryRun.length > 0, fieldManager, fieldValidation: fv, force: flag(q, "force") };
}

export function parseDeleteQuery(q: URLSearchParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const grace = integer(q, "gracePeriodSeconds");
  if (grace !== undefined) out.gracePeriodSeconds = grace;
  const policy = q.get("propagationPolicy");
  if (policy) out.propagationPolicy = policy;
  if (q.has("orphanDependents")) out.orphanDependents = flag(q, "orphanDependents");
  if (q.getAll("dryRun").length) out.dryRun = q.getAll("dryRun");
  return out;
}
