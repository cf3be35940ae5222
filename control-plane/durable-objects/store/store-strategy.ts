// The parts of each kind's strategy the store applies itself (they need the stored object).
import type { ResourceType } from "../../../schemas/registry.ts";
import type { StoreStrategy } from "./object-writes.ts";

const WITH_GENERATION = new Set(["deployments", "replicasets", "namespaces"]);

export function storeStrategy(rt: ResourceType): StoreStrategy {
  return {
    hasStatus: rt.subresources.includes("status"),
    tracksGeneration: WITH_GENERATION.has(rt.plural),
    validateUpdate: () => [],
  };
}
