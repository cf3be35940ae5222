// The one export of workerd's `cloudflare:workers` module the floor Worker uses, declared here so
// worker.ts typechecks under tsconfig.node.json (which covers bench/ but has no Workers types).
// The constructor's ctx and env are typed by the subclass itself (FloorState, FloorEnv).
declare module "cloudflare:workers" {
  export abstract class DurableObject {
    constructor(ctx: unknown, env: unknown);
  }
}
