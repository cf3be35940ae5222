// Performs a plan's actions through the store, with the admission HTTP clients get. A refused
// action (conflict, validation) is logged and makes its key sync again; nothing half-done stays,
// because each action's checks run before it writes.

import type { KubeObject } from "../../../schemas/object.ts";
import { type ResourceType, resourceFor } from "../../../schemas/registry.ts";
import { admitObject } from "../../api/admit.ts";
import { ApiError } from "../../api/errors.ts";
import type { Action, EventSpec, ResourceRef } from "../../controllers/types.ts";
import type { StoreCore } from "../store/store-core.ts";

export interface ExecuteOutcome {
  /** Sync the key again after this many ms (the smallest asked for, or a retry after a failure). */
  requeueAfterMs: number | undefined;
  failures: string[];
}

export interface Executor {
  core: StoreCore;
  manager: string;
  recordEvent: (spec: EventSpec) => void;
}

const RETRY_MS = 200;

function rtOf(ref: ResourceRef): ResourceType {
  const rt = resourceFor(ref.group, ref.version, ref.plural);
  if (!rt) throw new Error(`controller action on unknown resource ${ref.group}/${ref.version}/${ref.plural}`);
  return rt;
}

function perform(x: Executor, action: Exclude<Action, { type: "requeue" | "event" }>): void {
  const { core, manager } = x;
  switch (action.type) {
    case "create": {
      const rt = rtOf(action.resource);
      const obj: KubeObject = structuredClone(action.object);
      admitObject(rt, obj, true);
      core.create(rt, obj, { manager });
      return;
    }
    case "update": {
      const rt = rtOf(action.resource);
      const obj: KubeObject = structuredClone(action.object);
      admitObject(rt, obj, false);
      core.update(rt, obj, { manager });
      return;
    }
    case "updateStatus":
      core.update(rtOf(action.resource), action.object, { manager, subresource: "status" });
      return;
    case "delete":
      core.delete(rtOf(action.resource), action.namespace, action.name, {
        preconditions: action.uid ? { uid: action.uid } : undefined,
        gracePeriodSeconds: action.gracePeriodSeconds,
        propagationPolicy: action.propagationPolicy,
      });
      return;
    case "bind":
      core.bind(rtOf({ group: "", version: "v1", plural: "pods" }), action.namespace, action.name, action.nodeName, {
        uid: action.uid,
      });
      return;
  }
}

export function execute(x: Executor, actions: readonly Action[]): ExecuteOutcome {
  let requeueAfterMs: number | undefined;
  const failures: string[] = [];
  const later = (ms: number) => {
    requeueAfterMs = requeueAfterMs === undefined ? ms : Math.min(requeueAfterMs, ms);
  };
  for (const action of actions) {
    if (action.type === "requeue") {
      later(Math.max(0, action.afterMs));
      continue;
    }
    if (action.type === "event") {
      x.recordEvent(action.event);
      continue;
    }
    try {
      perform(x, action);
    } catch (err) {
      // Gone already is what a delete wanted; anything else is retried with fresh inputs.
      if (err instanceof ApiError && err.code === 404 && action.type === "delete") continue;
      failures.push(`${action.type}: ${err instanceof Error ? err.message : String(err)}`);
      later(RETRY_MS);
    }
  }
  return { requeueAfterMs, failures };
}
