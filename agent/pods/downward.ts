// The downward API: values of the pod's own fields (fieldRef) and of its containers' resources
// (resourceFieldRef), shared by environment variables and downwardAPI volume files.

import type { Container } from "../../schemas/core/container.ts";
import type { Pod } from "../../schemas/core/pod.ts";
import { milliValue, parseQuantity, type Quantity, unitValue } from "../../schemas/quantity.ts";

/** What the agent knows about the pod beyond its object: the addresses it runs with. */
export interface PodAddresses {
  podIPs: string[];
  hostIPs: string[];
}

/** The node's allocatable cpu and memory: a limit a container does not set reads as these, as upstream. */
export interface NodeAllocatable {
  cpu: string;
  memory: string;
  "ephemeral-storage"?: string;
}

const SUBSCRIPT = /^metadata\.(labels|annotations)\['(.*)'\]$/;

/** A map written as a downwardAPI file: sorted `key="value"` lines, values quoted. */
function formatMap(map: Record<string, string> | undefined): string {
  return Object.keys(map ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(map?.[k] ?? "")}`)
    .join("\n");
}

/** A fieldRef's value, or an error message naming the unsupported path. */
export function fieldRefValue(pod: Pod, path: string, addresses: PodAddresses): { value: string } | { error: string } {
  const meta = pod.metadata;
  const subscript = SUBSCRIPT.exec(path);
  if (subscript) {
    const map = subscript[1] === "labels" ? meta.labels : meta.annotations;
    return { value: map?.[subscript[2] ?? ""] ?? "" };
  }
  switch (path) {
    case "metadata.name":
      return { value: meta.name ?? "" };
    case "metadata.namespace":
      return { value: meta.namespace ?? "" };
    case "metadata.uid":
      return { value: meta.uid ?? "" };
    case "metadata.labels":
      return { value: formatMap(meta.labels) };
    case "metadata.annotations":
      return { value: formatMap(meta.annotations) };
    case "spec.nodeName":
      return { value: pod.spec?.nodeName ?? "" };
    case "spec.serviceAccountName":
      return { value: pod.spec?.serviceAccountName ?? "" };
    case "status.podIP":
      return { value: addresses.podIPs[0] ?? "" };
    case "status.podIPs":
      return { value: addresses.podIPs.join(",") };
    case "status.hostIP":
      return { value: addresses.hostIPs[0] ?? "" };
    case "status.hostIPs":
      return { value: addresses.hostIPs.join(",") };
    default:
      return { error: `unsupported fieldPath: ${path}` };
  }
}

function quantity(text: string | undefined): Quantity | undefined {
  if (text === undefined) return undefined;
  const q = parseQuantity(text);
  return typeof q === "string" ? undefined : q;
}

function ceilDiv(a: bigint, b: bigint): bigint {
  if (b === 0n) return 0n;
  const q = a / b;
  return q * b === a ? q : q + 1n;
}

/** A resourceFieldRef's value: cpu in whole divisors rounded up (millicores compared), memory likewise in bytes. */
export function resourceFieldValue(
  container: Container,
  resource: string,
  divisorText: string | undefined,
  allocatable: NodeAllocatable,
): { value: string } | { error: string } {
  const [kind, name] = resource.split(".", 2) as [string, string | undefined];
  if ((kind !== "limits" && kind !== "requests") || !name)
    return { error: `unsupported container resource: ${resource}` };
  const list = kind === "limits" ? container.resources?.limits : container.resources?.requests;
  let value = quantity(list?.[name]);
  if (!value && kind === "limits") {
    value = quantity(
      name === "cpu"
        ? allocatable.cpu
        : name === "memory"
          ? allocatable.memory
          : allocatable[name as "ephemeral-storage"],
    );
  }
  const divisor = quantity(divisorText && divisorText !== "0" ? divisorText : "1");
  if (!divisor) return { error: `invalid divisor: ${divisorText}` };
  const zero: Quantity = { n: 0n, scale: 0, format: "DecimalSI" };
  const v = value ?? zero;
  if (name === "cpu") return { value: ceilDiv(milliValue(v), milliValue(divisor)).toString() };
  if (name === "memory" || name === "ephemeral-storage" || name.startsWith("hugepages-")) {
    return { value: ceilDiv(unitValue(v), unitValue(divisor)).toString() };
  }
  return { error: `unsupported container resource: ${resource}` };
}
