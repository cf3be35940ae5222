// The Worker's entry point: the API server app and the Durable Object classes it binds.

import { configureAdmission } from "../api/admit.ts";
import { ClusterDirectory } from "../durable-objects/directory/cluster-directory.ts";
import { NodeSession } from "../durable-objects/node-session/node-session.ts";
import { ClusterStore } from "../durable-objects/store/cluster-store.ts";
import { createApp } from "./app.ts";

export { ClusterDirectory, ClusterStore, NodeSession };

const app = createApp();

export default {
  fetch: (request, env, ctx) => {
    configureAdmission(env as unknown as Record<string, string | undefined>);
    return app.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
