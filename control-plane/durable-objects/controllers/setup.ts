// Which controllers a cluster runs, with their configuration from the Worker's environment
// (every timeout configurable, so end-to-end tests run in seconds).

import type { DrizzleSqliteDODatabase } from "drizzle-orm/durable-sqlite";
import type { StoreCore } from "../store/store-core.ts";
import type { Controller, ControllerConfig } from "./controller.ts";
import { ControllerHost } from "./host.ts";

function ms(value: string | undefined, fallbackSeconds: number): number {
  const n = Number(value);
  return (Number.isFinite(n) && n > 0 ? n : fallbackSeconds) * 1000;
}

export function controllerConfig(env: Env): ControllerConfig {
  const vars = env as unknown as Record<string, string | undefined>;
  return {
    nodeGracePeriodMs: ms(vars.NODE_GRACE_PERIOD_SECONDS, 40),
    eventTtlMs: ms(vars.EVENT_TTL_SECONDS, 3600),
  };
}

export function createControllerHost(
  core: StoreCore,
  db: DrizzleSqliteDODatabase,
  env: Env,
  setAlarm: (at: number) => void,
): ControllerHost {
  const controllers: Controller[] = [];
  return new ControllerHost(core, db, controllers, {
    config: controllerConfig(env),
    setAlarm,
    recordEvent: () => {},
    log: (line) => console.log(line),
  });
}
