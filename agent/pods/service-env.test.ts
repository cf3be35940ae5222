import { describe, expect, it } from "vitest";
import { resolveEnv } from "./env.ts";
import { serviceEnv } from "./service-env.ts";
import { container, makePod } from "./testing/fixtures.ts";

const services = [
  {
    metadata: { name: "kubernetes", namespace: "default" },
    spec: { clusterIP: "10.43.0.1", ports: [{ name: "https", port: 443, protocol: "TCP" }] },
  },
  {
    metadata: { name: "web-app", namespace: "shop" },
    spec: {
      clusterIP: "10.43.0.20",
      ports: [
        { name: "http", port: 80, protocol: "TCP" },
        { name: "dns", port: 53, protocol: "UDP" },
      ],
    },
  },
  { metadata: { name: "headless", namespace: "shop" }, spec: { clusterIP: "None", ports: [{ port: 80 }] } },
  { metadata: { name: "elsewhere", namespace: "other" }, spec: { clusterIP: "10.43.0.30", ports: [{ port: 80 }] } },
];

describe("service variables", () => {
  it("name the pod's namespace's Services and always the API, as kubelet does", () => {
    const env = serviceEnv(makePod("p", {}, { namespace: "shop" }), services);
    expect(Object.fromEntries(env)).toEqual({
      KUBERNETES_SERVICE_HOST: "10.43.0.1",
      KUBERNETES_SERVICE_PORT: "443",
      KUBERNETES_SERVICE_PORT_HTTPS: "443",
      KUBERNETES_PORT: "tcp://10.43.0.1:443",
      KUBERNETES_PORT_443_TCP: "tcp://10.43.0.1:443",
      KUBERNETES_PORT_443_TCP_PROTO: "tcp",
      KUBERNETES_PORT_443_TCP_PORT: "443",
      KUBERNETES_PORT_443_TCP_ADDR: "10.43.0.1",
      WEB_APP_SERVICE_HOST: "10.43.0.20",
      WEB_APP_SERVICE_PORT: "80",
      WEB_APP_SERVICE_PORT_HTTP: "80",
      WEB_APP_SERVICE_PORT_DNS: "53",
      WEB_APP_PORT: "tcp://10.43.0.20:80",
      WEB_APP_PORT_80_TCP: "tcp://10.43.0.20:80",
      WEB_APP_PORT_80_TCP_PROTO: "tcp",
      WEB_APP_PORT_80_TCP_PORT: "80",
      WEB_APP_PORT_80_TCP_ADDR: "10.43.0.20",
      WEB_APP_PORT_53_UDP: "udp://10.43.0.20:53",
      WEB_APP_PORT_53_UDP_PROTO: "udp",
      WEB_APP_PORT_53_UDP_PORT: "53",
      WEB_APP_PORT_53_UDP_ADDR: "10.43.0.20",
    });
  });

  it("keep only the API's with enableServiceLinks: false", () => {
    const env = serviceEnv(makePod("p", { enableServiceLinks: false }, { namespace: "shop" }), services);
    expect([...env.keys()].every((k) => k.startsWith("KUBERNETES_"))).toBe(true);
    expect(env.get("KUBERNETES_SERVICE_HOST")).toBe("10.43.0.1");
  });

  it("come after the container's own variables, which win, and can be named in $(VAR)", () => {
    const c = container("web", {
      env: [
        { name: "KUBERNETES_SERVICE_PORT", value: "6443" },
        { name: "API", value: "https://$(KUBERNETES_SERVICE_HOST)" },
      ],
    });
    const pod = makePod("p", { containers: [c] });
    const r = resolveEnv({
      pod,
      container: c,
      config: { configMap: () => undefined, secret: () => undefined },
      addresses: { podIPs: [], hostIPs: [] },
      allocatable: { cpu: "1", memory: "1Gi" },
      services: serviceEnv(pod, services),
    });
    if ("error" in r) throw new Error(r.error);
    const env = Object.fromEntries(r.env.map((e) => [e.name, e.value]));
    expect(r.env[0]).toEqual({ name: "KUBERNETES_SERVICE_PORT", value: "6443" });
    expect(env.API).toBe("https://10.43.0.1");
    expect(env.KUBERNETES_SERVICE_HOST).toBe("10.43.0.1");
  });
});
