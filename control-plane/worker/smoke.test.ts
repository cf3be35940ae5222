import { env } from "cloudflare:workers";
import { expect, it } from "vitest";

it("reaches the store", async () => {
  const stub = env.CLUSTER_STORE.get(env.CLUSTER_STORE.idFromName("default"));
  expect(await stub.ping()).toBe("pong");
});
