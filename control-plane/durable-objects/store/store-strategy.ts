// The parts of each kind's strategy the store applies itself: they need the stored object.
import type { ResourceType } from "../../../schemas/registry.ts";
import { strategyFor } from "../../api/strategies/index.ts";
import { servedStrategy } from "./event-view.ts";
import type { StoreStrategy } from "./object-writes.ts";

export function storeStrategy(rt: ResourceType): StoreStrategy {
  return servedStrategy(rt, strategyFor(rt));
}
