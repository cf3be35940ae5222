// The Worker's entry point: the API server app and the Durable Object classes it binds.
import { ClusterStore } from "../durable-objects/store/cluster-store.ts";
import { createApp } from "./app.ts";

export { ClusterStore };

const app = createApp();

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
} satisfies ExportedHandler<Env>;
