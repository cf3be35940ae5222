// How a watch event's object is written for its watcher.
import type { KubeObject } from "../../../schemas/object.ts";
import type { Watcher } from "./watch-hub.ts";

export function renderWatchObject(_w: Watcher, obj: KubeObject): unknown {
  return obj;
}
