import { describe, expect, it } from "vitest";
import type { Service } from "../../../schemas/core/service.ts";
import { serviceStrategy, validateServiceTypeFields } from "./service.ts";

const SEED = {
  apiVersion: "v1",
  kind: "Service",
  metadata: { name: "web-app", namespace: "default" },
  spec: { selector: { app: "web-app" }, ports: [{ port: 80, targetPort: 3000 }], type: "ClusterIP" },
};

function created(body: unknown = SEED): Service {
  const { object } = serviceStrategy.decode(body, "Strict");
  serviceStrategy.applyDefaults(object);
  serviceStrategy.prepareForCreate(object);
  return object;
}

function withSpec(spec: Record<string, unknown>): Service {
  return created({ ...SEED, spec: { ...SEED.spec, ...spec } });
}

describe("the seed Service", () => {
  it("decodes in Strict mode and gets upstream's defaults", () => {
    const svc = created();
    expect(svc.spec).toEqual({
      selector: { app: "web-app" },
      ports: [{ port: 80, targetPort: 3000, protocol: "TCP" }],
      type: "ClusterIP",
      sessionAffinity: "None",
      internalTrafficPolicy: "Cluster",
      ipFamilyPolicy: "SingleStack",
      ipFamilies: ["IPv4"],
    });
    expect(svc.status).toEqual({ loadBalancer: {} });
    expect(serviceStrategy.validate(svc)).toEqual([]);
  });

  it("defaults targetPort to port, and NodePort's traffic policy", () => {
    const svc = withSpec({ type: "NodePort", ports: [{ port: 8080 }] });
    expect(svc.spec?.ports).toEqual([{ port: 8080, protocol: "TCP", targetPort: 8080 }]);
    expect(svc.spec?.externalTrafficPolicy).toBe("Cluster");
  });

  it("does not track generation", () => {
    expect(serviceStrategy.tracksGeneration).toBe(false);
    expect(serviceStrategy.hasStatus).toBe(true);
  });
});

describe("validation", () => {
  const cases: [string, Record<string, unknown>, { reason: string; field: string; message: string }[]][] = [
    ["no ports", { ports: [] }, [{ reason: "FieldValueRequired", field: "spec.ports", message: "Required value" }]],
    [
      "unnamed port among several",
      { ports: [{ name: "http", port: 80 }, { port: 443 }] },
      [{ reason: "FieldValueRequired", field: "spec.ports[1].name", message: "Required value" }],
    ],
    [
      "duplicate port names",
      {
        ports: [
          { name: "http", port: 80 },
          { name: "http", port: 81 },
        ],
      },
      [{ reason: "FieldValueDuplicate", field: "spec.ports[1].name", message: 'Duplicate value: "http"' }],
    ],
    [
      "port 0",
      { ports: [{ port: 0, targetPort: 80 }] },
      [
        {
          reason: "FieldValueInvalid",
          field: "spec.ports[0].port",
          message: "Invalid value: 0: must be between 1 and 65535, inclusive",
        },
      ],
    ],
    [
      "unknown type",
      { type: "Ingress" },
      [
        {
          reason: "FieldValueNotSupported",
          field: "spec.type",
          message:
            'Unsupported value: "Ingress": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
        },
      ],
    ],
    [
      "invalid clusterIP",
      { clusterIP: "10.0.0" },
      [
        {
          reason: "FieldValueInvalid",
          field: "spec.clusterIPs[0]",
          message: 'Invalid value: "10.0.0": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
        },
      ],
    ],
    [
      "external IPs that are not addresses, or special ones",
      { externalIPs: ["192.168.1.200", "nope", "127.0.0.1", "169.254.1.1", "0.0.0.0", "fe80::1"] },
      [
        {
          reason: "FieldValueInvalid",
          field: "spec.externalIPs[1]",
          message: 'Invalid value: "nope": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
        },
        {
          reason: "FieldValueInvalid",
          field: "spec.externalIPs[2]",
          message: 'Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
        },
        {
          reason: "FieldValueInvalid",
          field: "spec.externalIPs[3]",
          message: 'Invalid value: "169.254.1.1": may not be in the link-local range (169.254.0.0/16, fe80::/10)',
        },
        {
          reason: "FieldValueInvalid",
          field: "spec.externalIPs[4]",
          message: 'Invalid value: "0.0.0.0": may not be unspecified (0.0.0.0, ::)',
        },
        {
          reason: "FieldValueInvalid",
          field: "spec.externalIPs[5]",
          message: 'Invalid value: "fe80::1": may not be in the link-local range (169.254.0.0/16, fe80::/10)',
        },
      ],
    ],
  ];
  it.each(cases)("%s", (_name, spec, causes) => {
    expect(serviceStrategy.validate(withSpec(spec))).toEqual(causes);
  });

  it("names must be DNS-1035 labels", () => {
    const svc = created({ ...SEED, metadata: { name: "1web", namespace: "default" } });
    expect(serviceStrategy.validate(svc)[0]?.message).toMatch(/^Invalid value: "1web": a DNS-1035 label must consist/);
  });

  it("allows a headless service without ports", () => {
    expect(serviceStrategy.validate(withSpec({ clusterIP: "None", ports: [] }))).toEqual([]);
  });
});

describe("updates", () => {
  it("keep an assigned clusterIP when the update leaves it out", () => {
    const old = withSpec({ clusterIP: "10.96.0.10" });
    const next = created();
    expect(serviceStrategy.validateUpdate(next, old)).toEqual([]);
    expect(next.spec?.clusterIP).toBe("10.96.0.10");
    expect(next.spec?.clusterIPs).toEqual(["10.96.0.10"]);
  });

  it("may not change an assigned clusterIP", () => {
    const old = withSpec({ clusterIP: "10.96.0.10" });
    const next = withSpec({ clusterIP: "None" });
    expect(serviceStrategy.validateUpdate(next, old)).toEqual([
      {
        reason: "FieldValueInvalid",
        field: "spec.clusterIPs[0]",
        message: 'Invalid value: ["None"]: may not change once set',
      },
    ]);
  });
});

describe("node port fields", () => {
  it("refuses one node port for two ports of one protocol, allows it across protocols", () => {
    const shared = withSpec({
      type: "NodePort",
      ports: [
        { name: "tcp", port: 53, protocol: "TCP", nodePort: 30053 },
        { name: "udp", port: 53, protocol: "UDP", nodePort: 30053 },
      ],
    });
    expect(serviceStrategy.validate(shared)).toEqual([]);
    const twice = withSpec({
      type: "NodePort",
      ports: [
        { name: "a", port: 80, nodePort: 30080 },
        { name: "b", port: 81, nodePort: 30080 },
      ],
    });
    expect(serviceStrategy.validate(twice)).toEqual([
      { reason: "FieldValueDuplicate", field: "spec.ports[1].nodePort", message: "Duplicate value: 30080" },
    ]);
  });

  // Admission lets these through: an update's type change may drop them first (the store checks).
  it("leaves the type-dependent checks to validateServiceTypeFields", () => {
    const svc = withSpec({ ports: [{ port: 80, nodePort: 30080 }], externalTrafficPolicy: "Local" });
    expect(serviceStrategy.validate(svc)).toEqual([]);
    expect(validateServiceTypeFields({ ...svc.spec, healthCheckNodePort: 30081 })).toEqual([
      {
        reason: "FieldValueForbidden",
        field: "spec.ports[0].nodePort",
        message: "Forbidden: may not be used when `type` is 'ClusterIP'",
      },
      {
        reason: "FieldValueInvalid",
        field: "spec.externalTrafficPolicy",
        message: 'Invalid value: "Local": may only be set for externally-accessible services',
      },
      {
        reason: "FieldValueInvalid",
        field: "spec.healthCheckNodePort",
        message:
          "Invalid value: 30081: may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
      },
    ]);
  });

  it("keeps a healthCheckNodePort immutable while the Service needs one", () => {
    const old = withSpec({ type: "LoadBalancer", externalTrafficPolicy: "Local", healthCheckNodePort: 30100 });
    old.spec!.clusterIP = "10.43.0.9";
    const next = withSpec({ type: "LoadBalancer", externalTrafficPolicy: "Local", healthCheckNodePort: 30101 });
    expect(serviceStrategy.validateUpdate(next, old)).toEqual([
      { reason: "FieldValueForbidden", field: "spec.healthCheckNodePort", message: "Forbidden: field is immutable" },
    ]);
  });
});
