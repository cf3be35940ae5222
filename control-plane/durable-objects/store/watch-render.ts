// How a watch event's object is written for its watcher: the object itself, or for `kubectl get -w`
// a one-row Table (column definitions with the first event only, as kube-apiserver sends them).

import type { KubeObject } from "../../../schemas/object.ts";
import { toTable } from "../../api/table/index.ts";
import { toServed } from "./event-view.ts";
import type { Watcher } from "./watch-hub.ts";

export function renderWatchObject(w: Watcher, stored: KubeObject): unknown {
  const obj = toServed(w.resourceType, stored);
  if (w.format !== "table") return obj;
  const table = toTable(w.resourceType, [obj], {
    includeObject: w.includeObject,
    now: Date.now(),
    withColumns: !w.columnsSent,
  });
  w.columnsSent = true;
  return table;
}
