import { ClusterStore } from "../durable-objects/store/cluster-store.ts";

export { ClusterStore };

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/healthz" || url.pathname === "/livez" || url.pathname === "/readyz") return new Response("ok");
    if (url.pathname === "/version")
      return Response.json({ major: "1", minor: "35", gitVersion: "v1.35.0-kflare.0", platform: "workerd" });
    return new Response("not found", { status: 404 });
  },
} satisfies ExportedHandler<Env>;
