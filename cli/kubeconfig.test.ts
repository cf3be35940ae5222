import { expect, it } from "vitest";
import { parse } from "yaml";
import { httpsUrl, kubeconfigToken, renderKubeconfig } from "./kubeconfig.ts";

const CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

it("renders cluster, user, context and current-context with the CA pinned", () => {
  const text = renderKubeconfig({ cluster: "kflare", server: "https://127.0.0.1:8787", token: "t0k", caPem: CA });
  expect(parse(text)).toEqual({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: "kflare",
        cluster: { server: "https://127.0.0.1:8787", "certificate-authority-data": Buffer.from(CA).toString("base64") },
      },
    ],
    users: [{ name: "kflare-admin", user: { token: "t0k" } }],
    contexts: [{ name: "kflare", context: { cluster: "kflare", user: "kflare-admin", namespace: "default" } }],
    "current-context": "kflare",
    preferences: {},
  });
  expect(text).not.toContain("insecure-skip-tls-verify");
});

it("leaves out certificate-authority-data for a publicly trusted server", () => {
  const doc = parse(renderKubeconfig({ cluster: "edge", server: "https://e.example", token: "t", namespace: "apps" }));
  expect(doc.clusters[0].cluster).toEqual({ server: "https://e.example" });
  expect(doc.users[0].name).toBe("edge-admin");
  expect(doc.contexts[0].context.namespace).toBe("apps");
});

it("reads the token back, and nothing from junk", () => {
  const text = renderKubeconfig({ cluster: "kflare", server: "https://x", token: "secret" });
  expect(kubeconfigToken(text, "kflare-admin")).toBe("secret");
  expect(kubeconfigToken(text, "someone-else")).toBeUndefined();
  expect(kubeconfigToken(": : not yaml [", "kflare-admin")).toBeUndefined();
  expect(kubeconfigToken("users: 3", "kflare-admin")).toBeUndefined();
});

it("brackets IPv6 hosts in URLs", () => {
  expect(httpsUrl("127.0.0.1", 8787)).toBe("https://127.0.0.1:8787");
  expect(httpsUrl("fd00::5", 8787)).toBe("https://[fd00::5]:8787");
  expect(httpsUrl("pi.local", 1)).toBe("https://pi.local:1");
});
