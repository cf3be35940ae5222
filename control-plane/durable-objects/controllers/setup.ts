// Which controllers a cluster runs, with their configuration from the Worker's environment
// (every timeout configurable, so end-to-end tests run in seconds).

import type { DrizzleSqliteDODatabase } from "drizzle-orm/durable-sqlite";
import { ingressDomain } from "../store/ingress-domain.ts";
import type { StoreCore } from "../store/store-core.ts";
import { deploymentController } from "./adapters/deployment.ts";
import { endpointSliceController, endpointsController } from "./adapters/endpoints.ts";
import { EventRecorder, eventExpiryController } from "./adapters/events.ts";
import { garbageCollector } from "./adapters/garbage-collector.ts";
import { ingressController, loadBalancerController } from "./adapters/ingress.ts";
import { namespaceController } from "./adapters/namespace.ts";
import { nodeLifecycleController } from "./adapters/node-lifecycle.ts";
import { replicaSetController } from "./adapters/replicaset.ts";
import { rootCaController } from "./adapters/root-ca.ts";
import { schedulerController } from "./adapters/scheduler.ts";
import type { ControllerConfig } from "./controller.ts";
import { ControllerHost } from "./host.ts";

function ms(value: string | undefined, fallbackSeconds: number): number {
  const n = Number(value);
  return (Number.isFinite(n) && n > 0 ? n : fallbackSeconds) * 1000;
}

export function controllerConfig(env: Env, rootCaPem = ""): ControllerConfig {
  const vars = env as unknown as Record<string, string | undefined>;
  return {
    nodeGracePeriodMs: ms(vars.NODE_GRACE_PERIOD_SECONDS, 40),
    eventTtlMs: ms(vars.EVENT_TTL_SECONDS, 3600),
    ingressDomain: ingressDomain(env),
    rootCaPem,
  };
}

export function createControllerHost(
  core: StoreCore,
  db: DrizzleSqliteDODatabase,
  env: Env,
  setAlarm: (at: number) => void,
  rootCaPem = "",
): ControllerHost {
  const recorder = new EventRecorder(core);
  // Order matters only within one round: owners before dependents keeps a rollout's writes few.
  const controllers = [
    deploymentController(core),
    replicaSetController(core),
    schedulerController(core),
    endpointSliceController(core),
    endpointsController(core),
    ingressController(core),
    loadBalancerController(core),
    garbageCollector(core),
    namespaceController(core),
    rootCaController(core),
    nodeLifecycleController(core),
    eventExpiryController(core),
  ];
  return new ControllerHost(core, db, controllers, {
    config: controllerConfig(env, rootCaPem),
    setAlarm,
    recordEvent: (spec, ctx) => recorder.record(spec, ctx),
    log: (line) => console.log(line),
  });
}
