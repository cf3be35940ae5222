// Events: the recorder controllers' event actions go through (deduplicated and counted, as
// client-go's recorder does), and the expiry of events older than the TTL.

import type { KubeObject } from "../../../../schemas/object.ts";
import { dedupKey, planEventExpiry, recordEvent } from "../../../controllers/events/index.ts";
import { EVENTS, type EventSpec } from "../../../controllers/types.ts";
import type { StoreCore } from "../../store/store-core.ts";
import type { Controller, HostContext } from "../controller.ts";
import { execute } from "../execute.ts";
import { getObject, listObjects } from "../reads.ts";

const KEY = "expiry";
const REMEMBERED = 10_000;

export class EventRecorder {
  private readonly core: StoreCore;
  /** Where the last event of each dedup key is, so a repeat updates it (bounded; a miss creates anew). */
  private readonly recent = new Map<string, { namespace: string; name: string }>();
  /** Event names carry the time in nanoseconds: each event gets a distinct instant, 1 µs apart at worst. */
  private last = 0;

  constructor(core: StoreCore) {
    this.core = core;
  }

  record(spec: EventSpec, ctx: HostContext): void {
    const k = dedupKey(spec);
    const where = this.recent.get(k);
    const existing: KubeObject | undefined = where
      ? getObject(this.core, EVENTS, where.namespace, where.name)
      : undefined;
    this.last = Math.max(ctx.now, this.last + 0.001);
    const action = recordEvent(existing, spec, this.last);
    if (action.type === "create" || action.type === "update") {
      const m = action.object.metadata;
      this.recent.delete(k);
      this.recent.set(k, { namespace: m.namespace ?? "default", name: m.name ?? "" });
      if (this.recent.size > REMEMBERED) this.recent.delete(this.recent.keys().next().value!);
    }
    execute({ core: this.core, manager: spec.source, recordEvent: () => {} }, [action]);
  }
}

export function eventExpiryController(core: StoreCore): Controller {
  return {
    name: "event-ttl",
    manager: "event-ttl",
    keysFor: () => [],
    allKeys: () => [KEY],
    startupKeys: () => [KEY],
    sync(_key, ctx) {
      const actions = planEventExpiry(listObjects(core, EVENTS), ctx.now, ctx.config.eventTtlMs);
      // Keep the check alive even when there is nothing to expire yet.
      if (!actions.some((a) => a.type === "requeue")) actions.push({ type: "requeue", afterMs: ctx.config.eventTtlMs });
      return actions;
    },
  };
}
