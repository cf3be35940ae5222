// Validation of resource requirements (container and pod level) as pkg/apis/core/validation does it:
// resource names, non-negative quantities, integer extended resources, requests <= limits.

import type { ResourceRequirements } from "../../../schemas/core/container.ts";
import { compareQuantities, parseQuantity, type Quantity } from "../../../schemas/quantity.ts";
import { isQualifiedName } from "../../../schemas/validation/names.ts";
import type { StatusCause } from "../errors.ts";
import { child, invalid, invalidEach, key, NEGATIVE } from "./field.ts";

const STANDARD_CONTAINER_RESOURCES = new Set(["cpu", "memory", "ephemeral-storage"]);

function isHugePages(name: string): boolean {
  return name.startsWith("hugepages-");
}

/** Extended resources ("example.com/gpu") are whole numbers and cannot be overcommitted. */
export function isExtendedResourceName(name: string): boolean {
  if (!name.includes("/")) return false;
  const domain = name.slice(0, name.indexOf("/"));
  if (domain === "kubernetes.io" || domain.endsWith(".kubernetes.io")) return false;
  return !name.startsWith("requests.");
}

function canOvercommit(name: string): boolean {
  return !isHugePages(name) && !isExtendedResourceName(name);
}

function validateResourceName(name: string, path: string): StatusCause[] {
  const causes = invalidEach(path, name, isQualifiedName(name));
  if (causes.length > 0) return causes;
  if (!name.includes("/") && !STANDARD_CONTAINER_RESOURCES.has(name) && !isHugePages(name)) {
    causes.push(invalid(path, name, "must be a standard resource for containers"));
  }
  return causes;
}

function validateQuantityValue(name: string, value: string, path: string): { q?: Quantity; causes: StatusCause[] } {
  const q = parseQuantity(value);
  if (typeof q === "string") return { causes: [invalid(path, value, q)] };
  const causes: StatusCause[] = [];
  if (q.n < 0n) causes.push(invalid(path, value, NEGATIVE));
  if (isExtendedResourceName(name) && q.scale > 0 && q.n % 10n ** BigInt(q.scale) !== 0n) {
    causes.push(invalid(path, value, "must be an integer"));
  }
  return { q, causes };
}

export function validateResourceRequirements(resources: ResourceRequirements | undefined, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if (!resources) return causes;
  const limitsPath = child(path, "limits");
  const requestsPath = child(path, "requests");
  const limits = new Map<string, Quantity>();
  for (const [name, value] of Object.entries(resources.limits ?? {})) {
    const p = key(limitsPath, name);
    causes.push(...validateResourceName(name, p));
    const checked = validateQuantityValue(name, value, p);
    causes.push(...checked.causes);
    if (checked.q) limits.set(name, checked.q);
  }
  for (const [name, value] of Object.entries(resources.requests ?? {})) {
    const p = key(requestsPath, name);
    causes.push(...validateResourceName(name, p));
    const checked = validateQuantityValue(name, value, p);
    causes.push(...checked.causes);
    const limit = limits.get(name);
    if (!checked.q || !limit) continue;
    const limitText = resources.limits?.[name] ?? "";
    const order = compareQuantities(checked.q, limit);
    if (order !== 0 && !canOvercommit(name)) {
      causes.push(invalid(requestsPath, value, `must be equal to ${name} limit of ${limitText}`));
    } else if (order > 0) {
      causes.push(invalid(requestsPath, value, `must be less than or equal to ${name} limit of ${limitText}`));
    }
  }
  return causes;
}
