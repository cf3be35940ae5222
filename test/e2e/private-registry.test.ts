// Images from a private registry, end to end with the real kubectl and real containerd: a
// registry on loopback that wants a password (htpasswd, as a self-hosted registry or a private
// Docker Hub repository does), a `kubectl create secret docker-registry` Secret, and pods that
// name it in imagePullSecrets. The node's agent turns the Secret into the CRI pull's credentials;
// without them the registry refuses and the pod shows ErrImagePull, then ImagePullBackOff. The
// password never appears in what the agent prints.

import { randomBytes } from "node:crypto";
import { appendFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushTestImage } from "../setup/container-images.ts";
import { type LoopbackRegistry, type RegistryUser, startLoopbackRegistry } from "../setup/wasm-fixtures.ts";
import { ContainerNode, type PodView } from "../tools/container-node.ts";

const node = new ContainerNode({ name: "e2e-pull", nodeName: "e2e-pull-secrets" });
const user: RegistryUser = { username: "kflare-puller", password: randomBytes(12).toString("base64url") };
let registry: LoopbackRegistry | undefined;
let image = "";

beforeAll(async () => {
  await node.setUp();
  if (node.unavailable) return;
  registry = await startLoopbackRegistry(user);
  if (!registry.available) throw new Error(registry.reason);
  image = await pushTestImage(registry.host, "hello", "team/private", "1", user);
  // The node reaches the private registry as it reaches the shared one: on its own loopback, plain http.
  const host = node.nodes[0];
  if (!host) throw new Error("no node");
  await host.netns.forward([Number(registry.host.split(":")[1])]);
  await appendFile(
    join(host.agentDir, "registries.yaml"),
    `  "${registry.host}":\n    endpoint: ["http://${registry.host}"]\n`,
  );
  await node.join();
}, 600_000);
afterAll(async () => {
  await node.tearDown();
  await registry?.stop();
}, 180_000);

function pod(name: string, pullSecrets: string[]): object {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: {
      terminationGracePeriodSeconds: 1,
      ...(pullSecrets.length > 0 ? { imagePullSecrets: pullSecrets.map((s) => ({ name: s })) } : {}),
      containers: [{ name: "app", image, imagePullPolicy: "Always", command: ["/bin/sleep", "3600"] }],
    },
  };
}

async function waitingReason(name: string): Promise<{ reason?: string; message?: string } | undefined> {
  const p = await node.client.get<PodView>(`/api/v1/namespaces/default/pods/${name}`);
  return p.status?.containerStatuses?.[0]?.state?.waiting;
}

/** Waits until the pod's pull is refused (ErrImagePull or ImagePullBackOff); its waiting state. */
function pullRefused(name: string): Promise<{ reason?: string; message?: string }> {
  return node.eventually(`${name}: ErrImagePull or ImagePullBackOff`, async () => {
    const w = await waitingReason(name);
    return w?.reason === "ErrImagePull" || w?.reason === "ImagePullBackOff" ? w : undefined;
  });
}

/** `kubectl create secret docker-registry`, as a user makes a pull secret. */
async function createPullSecret(name: string, server: string, password: string): Promise<void> {
  await node.kubectl(
    "create",
    "secret",
    "docker-registry",
    name,
    `--docker-server=${server}`,
    `--docker-username=${user.username}`,
    `--docker-password=${password}`,
  );
}

describe("imagePullSecrets against a registry that wants a password", { timeout: 300_000 }, () => {
  it("pulls with the pod's kubernetes.io/dockerconfigjson Secret and is refused without it", async ({ skip }) => {
    if (node.unavailable) return skip(node.unavailable);
    if (!registry?.available) throw new Error("no private registry");

    // Without credentials: the registry's refusal, as the pod's state and events.
    await node.apply(pod("no-secret", []));
    const refused = await pullRefused("no-secret");
    expect(refused.message ?? "").toMatch(/401|unauthorized|authorization/i);
    await node.eventually(
      "no-secret: ImagePullBackOff",
      async () => (await waitingReason("no-secret"))?.reason === "ImagePullBackOff",
    );
    const events = await node.kubectl("get", "events", "--field-selector", "involvedObject.name=no-secret");
    expect(events).toMatch(/Failed/);
    expect(events).toMatch(/BackOff/);

    // A wrong password is refused the same way.
    await createPullSecret("wrong", registry.host, "not-the-password");
    await node.apply(pod("wrong-secret", ["wrong"]));
    await pullRefused("wrong-secret");

    // With the Secret a user makes for a private registry: Running.
    await createPullSecret("regcred", registry.host, user.password);
    await node.apply(pod("with-secret", ["regcred"]));
    await node.eventually("with-secret Running", async () => {
      const p = await node.client.get<PodView>("/api/v1/namespaces/default/pods/with-secret");
      return p.status?.phase === "Running";
    });
    // The refused pod still is: a pod's credentials are its own.
    expect((await waitingReason("no-secret"))?.reason).toMatch(/ErrImagePull|ImagePullBackOff/);

    expect(node.nodes[0]?.agentOut ?? "").not.toContain(user.password);
    await node.kubectl("delete", "pod", "no-secret", "wrong-secret", "with-secret", "--wait=false");
    await node.eventually("pods gone", async () => {
      const list = await node.client.get<{ items: PodView[] }>("/api/v1/namespaces/default/pods");
      return list.items.length === 0;
    });
  });
});
