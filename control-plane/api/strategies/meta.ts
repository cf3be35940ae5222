// ObjectMeta validation every kind shares (apimachinery's ValidateObjectMeta and
// ValidateObjectMetaUpdate), label and label-selector checks, and the name rules per kind.

import type { LabelSelector, LabelSelectorRequirement, ObjectMeta } from "../../../schemas/meta.ts";
import {
  byteLength,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  isValidPathSegmentName,
  maskTrailingDash,
} from "../../../schemas/validation/names.ts";
import type { StatusCause } from "../errors.ts";
import { child, forbidden, immutable, index, invalid, invalidEach, nonNegative, required, tooLong } from "./field.ts";

/** Checks a name (or, with prefix, a generateName) and returns upstream's messages. */
export type NameCheck = (name: string, prefix: boolean) => string[];

export const nameIsDNSSubdomain: NameCheck = (name, prefix) =>
  isDNS1123Subdomain(prefix ? maskTrailingDash(name) : name);
export const nameIsDNSLabel: NameCheck = (name, prefix) => isDNS1123Label(prefix ? maskTrailingDash(name) : name);
export const nameIsDNS1035Label: NameCheck = (name, prefix) => isDNS1035Label(prefix ? maskTrailingDash(name) : name);
/** RBAC kinds: any name usable as a path segment, prefix or not (upstream's ValidateRBACName). */
export const nameIsPathSegment: NameCheck = (name) => isValidPathSegmentName(name);

export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;
/** Finalizer names that need no domain prefix. */
export const STANDARD_FINALIZERS = new Set(["kubernetes", "orphan", "foregroundDeletion"]);

export function validateLabels(labels: Record<string, string> | undefined, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if (!labels) return causes;
  for (const [k, v] of Object.entries(labels)) {
    causes.push(...invalidEach(path, k, isQualifiedName(k)));
    causes.push(...invalidEach(path, v, isValidLabelValue(v)));
  }
  return causes;
}

export function validateAnnotations(annotations: Record<string, string> | undefined, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if (!annotations) return causes;
  let size = 0;
  for (const [k, v] of Object.entries(annotations)) {
    causes.push(...invalidEach(path, k, isQualifiedName(k.toLowerCase())));
    size += byteLength(k) + byteLength(v);
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) causes.push(tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT));
  return causes;
}

function validateOwnerReferences(refs: ObjectMeta["ownerReferences"], path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  let firstController = "";
  for (const ref of refs ?? []) {
    const apiVersion = ref.apiVersion;
    const version = apiVersion.includes("/") ? apiVersion.slice(apiVersion.indexOf("/") + 1) : apiVersion;
    if (!version) causes.push(invalid(child(path, "apiVersion"), apiVersion, "version must not be empty"));
    if (!ref.kind) causes.push(invalid(child(path, "kind"), ref.kind, "must not be empty"));
    if (!ref.name) causes.push(invalid(child(path, "name"), ref.name, "must not be empty"));
    if (!ref.uid) causes.push(invalid(child(path, "uid"), ref.uid, "must not be empty"));
    if (apiVersion === "v1" && ref.kind === "Event") {
      causes.push(invalid(path, ref, "/v1, Kind=Event is disallowed from being an owner"));
    }
    if (ref.controller) {
      const name = `${ref.kind}/${ref.name}`;
      if (firstController) {
        causes.push(
          invalid(
            path,
            refs,
            `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${name}`,
          ),
        );
      } else {
        firstController = name;
      }
    }
  }
  return causes;
}

function validateFinalizers(finalizers: string[] | undefined, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if (!finalizers) return causes;
  for (const f of finalizers) causes.push(...invalidEach(path, f, isQualifiedName(f)));
  if (finalizers.includes("orphan") && finalizers.includes("foregroundDeletion")) {
    causes.push(invalid(path, finalizers, "finalizer orphan and foregroundDeletion cannot be both set"));
  }
  return causes;
}

function validateManagedFields(entries: ObjectMeta["managedFields"], path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  (entries ?? []).forEach((entry, i) => {
    const p = index(path, i);
    if (entry.operation !== "Apply" && entry.operation !== "Update") {
      causes.push(invalid(child(p, "operation"), entry.operation ?? "", "must be `Apply` or `Update`"));
    }
    if (entry.fieldsType && entry.fieldsType !== "FieldsV1") {
      causes.push(invalid(child(p, "fieldsType"), entry.fieldsType, "must be `FieldsV1`"));
    }
    if (entry.manager && byteLength(entry.manager) > 128) causes.push(tooLong(child(p, "manager"), 128));
  });
  return causes;
}

function validateMetaCommon(meta: ObjectMeta, namespaced: boolean): StatusCause[] {
  const causes: StatusCause[] = [];
  if (namespaced) {
    if (!meta.namespace) causes.push(required("metadata.namespace"));
    else causes.push(...invalidEach("metadata.namespace", meta.namespace, nameIsDNSLabel(meta.namespace, false)));
  } else if (meta.namespace) {
    causes.push(forbidden("metadata.namespace", "not allowed on this type"));
  }
  causes.push(...nonNegative("metadata.generation", meta.generation));
  causes.push(...validateLabels(meta.labels, "metadata.labels"));
  causes.push(...validateAnnotations(meta.annotations, "metadata.annotations"));
  causes.push(...validateOwnerReferences(meta.ownerReferences, "metadata.ownerReferences"));
  causes.push(...validateFinalizers(meta.finalizers, "metadata.finalizers"));
  causes.push(...validateManagedFields(meta.managedFields, "metadata.managedFields"));
  return causes;
}

/**
 * ValidateObjectMeta. The name must be set by now: the store turns generateName into a name before
 * validating, as upstream does; a generateName alone is still checked as a prefix.
 */
export function validateObjectMeta(meta: ObjectMeta, namespaced: boolean, nameCheck: NameCheck): StatusCause[] {
  const causes: StatusCause[] = [];
  if (meta.generateName) {
    causes.push(...invalidEach("metadata.generateName", meta.generateName, nameCheck(meta.generateName, true)));
  }
  if (!meta.name) {
    if (!meta.generateName) causes.push(required("metadata.name", "name or generateName is required"));
  } else {
    causes.push(...invalidEach("metadata.name", meta.name, nameCheck(meta.name, false)));
  }
  causes.push(...validateMetaCommon(meta, namespaced));
  // The core and apps validation adds this to apimachinery's checks for every kind it serves.
  for (const f of meta.finalizers ?? []) {
    if (!f.includes("/") && !STANDARD_FINALIZERS.has(f)) {
      causes.push(
        invalid("metadata.finalizers", f, "name is neither a standard finalizer name nor is it fully qualified"),
      );
    }
  }
  return causes;
}

/**
 * ValidateObjectMetaUpdate, less the resourceVersion check: an update without one is an
 * unconditional update here (Helm relies on it) and the store fills it in.
 */
export function validateObjectMetaUpdate(meta: ObjectMeta, old: ObjectMeta): StatusCause[] {
  const causes: StatusCause[] = [];
  if (old.deletionTimestamp) {
    const added = (meta.finalizers ?? []).filter((f) => !(old.finalizers ?? []).includes(f));
    if (added.length > 0) {
      const list = [...new Set(added)].sort().map((f) => JSON.stringify(f));
      causes.push(
        forbidden(
          "metadata.finalizers",
          `no new finalizers can be added if the object is being deleted, found new finalizers []string{${list.join(", ")}}`,
        ),
      );
    }
  }
  if ((meta.generation ?? 0) < (old.generation ?? 0)) {
    causes.push(invalid("metadata.generation", meta.generation ?? 0, "must not be decremented"));
  }
  causes.push(...immutable("metadata.name", meta.name, old.name));
  causes.push(...immutable("metadata.namespace", meta.namespace, old.namespace));
  causes.push(...immutable("metadata.uid", meta.uid, old.uid));
  causes.push(...immutable("metadata.creationTimestamp", meta.creationTimestamp, old.creationTimestamp));
  causes.push(...immutable("metadata.deletionTimestamp", meta.deletionTimestamp, old.deletionTimestamp));
  causes.push(
    ...immutable(
      "metadata.deletionGracePeriodSeconds",
      meta.deletionGracePeriodSeconds,
      old.deletionGracePeriodSeconds,
    ),
  );
  return causes;
}

function validateRequirement(req: LabelSelectorRequirement, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const values = req.values ?? [];
  switch (req.operator) {
    case "In":
    case "NotIn":
      if (values.length === 0) {
        causes.push(required(child(path, "values"), "must be specified when `operator` is 'In' or 'NotIn'"));
      }
      break;
    case "Exists":
    case "DoesNotExist":
      if (values.length > 0) {
        causes.push(
          forbidden(child(path, "values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"),
        );
      }
      break;
    default:
      causes.push(invalid(child(path, "operator"), req.operator ?? "", "not a valid selector operator"));
  }
  causes.push(...invalidEach(child(path, "key"), req.key ?? "", isQualifiedName(req.key ?? "")));
  values.forEach((v, i) => {
    causes.push(...invalidEach(index(child(path, "values"), i), v, isValidLabelValue(v)));
  });
  return causes;
}

export function validateLabelSelector(selector: LabelSelector | undefined, path: string): StatusCause[] {
  if (!selector) return [];
  const causes = validateLabels(selector.matchLabels, child(path, "matchLabels"));
  (selector.matchExpressions ?? []).forEach((req, i) => {
    causes.push(...validateRequirement(req, index(child(path, "matchExpressions"), i)));
  });
  return causes;
}

/** Whether labels satisfy a selector (matchLabels and matchExpressions, ANDed). */
export function selectorMatches(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const set = labels ?? {};
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (set[k] !== v) return false;
  for (const req of selector.matchExpressions ?? []) {
    const key = req.key ?? "";
    const has = Object.hasOwn(set, key);
    const values = req.values ?? [];
    switch (req.operator) {
      case "In":
        if (!has || !values.includes(set[key] ?? "")) return false;
        break;
      case "NotIn":
        if (has && values.includes(set[key] ?? "")) return false;
        break;
      case "Exists":
        if (!has) return false;
        break;
      case "DoesNotExist":
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** A selector with no requirements selects everything; workloads refuse it. */
export function selectorIsEmpty(selector: LabelSelector): boolean {
  return Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
}
