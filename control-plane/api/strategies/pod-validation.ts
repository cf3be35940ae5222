// PodSpec validation (pkg/apis/core/validation's ValidatePodSpec, the parts a small cluster meets):
// containers, volumes, policies, tolerations, scheduling fields, security context ids.

import type { Toleration } from "../../../schemas/core/common.ts";
import type { PodSpec, PodTemplateSpec } from "../../../schemas/core/pod-spec.ts";
import {
  inclusiveRangeError,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
} from "../../../schemas/validation/names.ts";
import type { StatusCause } from "../errors.ts";
import { validateContainers } from "./container-validation.ts";
import { child, index, invalid, invalidEach, notSupported, required } from "./field.ts";
import { validateAnnotations, validateLabels } from "./meta.ts";
import { validateResourceRequirements } from "./resources-validation.ts";
import { validateVolumes } from "./volume-validation.ts";

const RESTART_POLICIES = ["Always", "OnFailure", "Never"];
const DNS_POLICIES = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"];
const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"];
const MAX_INT32 = 2 ** 31 - 1;

export function validateTolerations(tolerations: Toleration[] | undefined, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  (tolerations ?? []).forEach((t, i) => {
    const p = index(path, i);
    if (t.key) causes.push(...invalidEach(child(p, "key"), t.key, isQualifiedName(t.key)));
    if (!t.key && t.operator !== "Exists") {
      causes.push(
        invalid(
          child(p, "operator"),
          t.operator ?? "",
          'operator must be Exists when `key` is empty, which means "match all values and all keys"',
        ),
      );
    }
    if (t.tolerationSeconds !== undefined && t.effect !== "NoExecute") {
      causes.push(
        invalid(child(p, "effect"), t.effect ?? "", "effect must be 'NoExecute' when `tolerationSeconds` is set"),
      );
    }
    switch (t.operator ?? "") {
      case "":
      case "Equal":
        causes.push(...invalidEach(child(p, "value"), t.value ?? "", isValidLabelValue(t.value ?? "")));
        break;
      case "Exists":
        if (t.value) causes.push(invalid(child(p, "operator"), t, "value must be empty when `operator` is 'Exists'"));
        break;
      default:
        causes.push(notSupported(child(p, "operator"), t.operator, ["Equal", "Exists"]));
    }
    if (t.effect && !TAINT_EFFECTS.includes(t.effect))
      causes.push(notSupported(child(p, "effect"), t.effect, TAINT_EFFECTS));
  });
  return causes;
}

function validateIds(spec: PodSpec, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const ctx = spec.securityContext;
  if (!ctx) return causes;
  const p = child(path, "securityContext");
  for (const f of ["runAsUser", "runAsGroup", "fsGroup"] as const) {
    const v = ctx[f];
    if (v !== undefined && (v < 0 || v > MAX_INT32))
      causes.push(invalid(child(p, f), v, inclusiveRangeError(0, MAX_INT32)));
  }
  return causes;
}

function validateTopologySpread(spec: PodSpec, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  (spec.topologySpreadConstraints ?? []).forEach((c, i) => {
    const p = index(child(path, "topologySpreadConstraints"), i);
    if ((c.maxSkew ?? 0) <= 0) causes.push(invalid(child(p, "maxSkew"), c.maxSkew ?? 0, "must be greater than zero"));
    if (!c.topologyKey) causes.push(required(child(p, "topologyKey"), "can not be empty"));
    const when = c.whenUnsatisfiable ?? "";
    if (!["DoNotSchedule", "ScheduleAnyway"].includes(when)) {
      causes.push(notSupported(child(p, "whenUnsatisfiable"), when, ["DoNotSchedule", "ScheduleAnyway"]));
    }
  });
  return causes;
}

/** ValidatePodSpec: `path` is "spec" for a Pod and "spec.template.spec" for a template. */
export function validatePodSpec(spec: PodSpec | undefined, path: string): StatusCause[] {
  const s = spec ?? {};
  const volumes = validateVolumes(s.volumes, child(path, "volumes"));
  const causes = volumes.causes;
  const names = new Set<string>();
  causes.push(
    ...validateContainers(s.initContainers, child(path, "initContainers"), {
      volumes: volumes.names,
      names,
      init: true,
    }),
  );
  if (!s.containers || s.containers.length === 0) causes.push(required(child(path, "containers")));
  causes.push(
    ...validateContainers(s.containers, child(path, "containers"), { volumes: volumes.names, names, init: false }),
  );

  const restart = s.restartPolicy ?? "";
  if (!restart) causes.push(required(child(path, "restartPolicy")));
  else if (!RESTART_POLICIES.includes(restart))
    causes.push(notSupported(child(path, "restartPolicy"), restart, RESTART_POLICIES));
  const dns = s.dnsPolicy ?? "";
  if (!dns) causes.push(required(child(path, "dnsPolicy")));
  else if (!DNS_POLICIES.includes(dns)) causes.push(notSupported(child(path, "dnsPolicy"), dns, DNS_POLICIES));
  if (dns === "None" && !s.dnsConfig) {
    causes.push(required(child(path, "dnsConfig"), "must provide `dnsConfig` when `dnsPolicy` is None"));
  }

  causes.push(...validateLabels(s.nodeSelector, child(path, "nodeSelector")));
  if (s.serviceAccountName) {
    causes.push(
      ...invalidEach(child(path, "serviceAccountName"), s.serviceAccountName, isDNS1123Subdomain(s.serviceAccountName)),
    );
  }
  if (s.nodeName) causes.push(...invalidEach(child(path, "nodeName"), s.nodeName, isDNS1123Subdomain(s.nodeName)));
  if (s.activeDeadlineSeconds !== undefined && (s.activeDeadlineSeconds < 1 || s.activeDeadlineSeconds > MAX_INT32)) {
    causes.push(
      invalid(child(path, "activeDeadlineSeconds"), s.activeDeadlineSeconds, inclusiveRangeError(1, MAX_INT32)),
    );
  }
  if (s.hostname) causes.push(...invalidEach(child(path, "hostname"), s.hostname, isDNS1123Label(s.hostname)));
  if (s.subdomain) causes.push(...invalidEach(child(path, "subdomain"), s.subdomain, isDNS1123Label(s.subdomain)));
  if (s.runtimeClassName) {
    causes.push(
      ...invalidEach(child(path, "runtimeClassName"), s.runtimeClassName, isDNS1123Subdomain(s.runtimeClassName)),
    );
  }
  if (s.priorityClassName) {
    causes.push(
      ...invalidEach(child(path, "priorityClassName"), s.priorityClassName, isDNS1123Subdomain(s.priorityClassName)),
    );
  }
  causes.push(...validateTolerations(s.tolerations, child(path, "tolerations")));
  causes.push(...validateIds(s, path));
  causes.push(...validateTopologySpread(s, path));
  causes.push(...validateResourceRequirements(s.resources, child(path, "resources")));
  return causes;
}

/** ValidatePodTemplateSpec: the template's labels, annotations and spec. */
export function validatePodTemplateSpec(template: PodTemplateSpec | undefined, path: string): StatusCause[] {
  const t = template ?? {};
  const causes = validateLabels(t.metadata?.labels, child(path, "metadata", "labels"));
  causes.push(...validateAnnotations(t.metadata?.annotations, child(path, "metadata", "annotations")));
  causes.push(...validatePodSpec(t.spec, child(path, "spec")));
  return causes;
}
