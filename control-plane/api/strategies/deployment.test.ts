import { describe, expect, it } from "vitest";
import type { Deployment } from "../../../schemas/apps/deployment.ts";
import type { ReplicaSet } from "../../../schemas/apps/replicaset.ts";
import { deploymentStrategy } from "./deployment.ts";
import { replicaSetStrategy } from "./replicaset.ts";

const SEED = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web-app", namespace: "default" },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: "web-app" } },
    template: {
      metadata: { labels: { app: "web-app" } },
      spec: {
        containers: [
          {
            name: "web",
            image: "myapp:1.2.0",
            ports: [{ containerPort: 3000 }],
            resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
          },
        ],
      },
    },
  },
};

/** Decode (Strict), default and prepare as a create does. */
function created(body: unknown = SEED): Deployment {
  const { object, warnings } = deploymentStrategy.decode(body, "Strict");
  expect(warnings).toEqual([]);
  deploymentStrategy.applyDefaults(object);
  deploymentStrategy.prepareForCreate(object);
  return object;
}

function seedWith(mutate: (d: Deployment) => void): Deployment {
  const d = created();
  mutate(d);
  return d;
}

describe("the seed Deployment", () => {
  it("decodes in Strict mode and gets upstream's defaults", () => {
    const d = created();
    expect(d.spec).toEqual({
      replicas: 3,
      selector: { matchLabels: { app: "web-app" } },
      template: {
        metadata: { labels: { app: "web-app" } },
        spec: {
          containers: [
            {
              name: "web",
              image: "myapp:1.2.0",
              ports: [{ containerPort: 3000, protocol: "TCP" }],
              resources: { limits: { cpu: "500m", memory: "512Mi" }, requests: { cpu: "100m", memory: "128Mi" } },
              imagePullPolicy: "IfNotPresent",
              terminationMessagePath: "/dev/termination-log",
              terminationMessagePolicy: "File",
            },
          ],
          restartPolicy: "Always",
          terminationGracePeriodSeconds: 30,
          dnsPolicy: "ClusterFirst",
          securityContext: {},
          schedulerName: "default-scheduler",
        },
      },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
    });
    expect(d.status).toEqual({});
    expect(deploymentStrategy.validate(d)).toEqual([]);
  });

  it("defaults replicas to 1 and keeps a Recreate strategy without rollingUpdate", () => {
    const d = created({ ...SEED, spec: { ...SEED.spec, replicas: undefined, strategy: { type: "Recreate" } } });
    expect(d.spec?.replicas).toBe(1);
    expect(d.spec?.strategy).toEqual({ type: "Recreate" });
  });

  it("tracks generation and has a status subresource", () => {
    expect(deploymentStrategy.tracksGeneration).toBe(true);
    expect(deploymentStrategy.hasStatus).toBe(true);
  });
});

describe("validation", () => {
  const cases: [string, (d: Deployment) => void, { reason: string; field: string; message: string }][] = [
    [
      "negative replicas",
      (d) => Object.assign(d.spec ?? {}, { replicas: -1 }),
      {
        reason: "FieldValueInvalid",
        field: "spec.replicas",
        message: "Invalid value: -1: must be greater than or equal to 0",
      },
    ],
    [
      "selector not matching the template",
      (d) => Object.assign(d.spec ?? {}, { selector: { matchLabels: { app: "other" } } }),
      {
        reason: "FieldValueInvalid",
        field: "spec.template.metadata.labels",
        message: 'Invalid value: {"app":"web-app"}: `selector` does not match template `labels`',
      },
    ],
    [
      "missing selector",
      (d) => Object.assign(d.spec ?? {}, { selector: undefined }),
      { reason: "FieldValueRequired", field: "spec.selector", message: "Required value" },
    ],
    [
      "empty selector",
      (d) => Object.assign(d.spec ?? {}, { selector: {} }),
      {
        reason: "FieldValueInvalid",
        field: "spec.selector",
        message: "Invalid value: {}: empty selector is invalid for deployment",
      },
    ],
    [
      "template restartPolicy Never",
      (d) => Object.assign(d.spec?.template?.spec ?? {}, { restartPolicy: "Never" }),
      {
        reason: "FieldValueNotSupported",
        field: "spec.template.spec.restartPolicy",
        message: 'Unsupported value: "Never": supported values: "Always"',
      },
    ],
    [
      "both maxSurge and maxUnavailable zero",
      (d) =>
        Object.assign(d.spec ?? {}, {
          strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } },
        }),
      {
        reason: "FieldValueInvalid",
        field: "spec.strategy.rollingUpdate.maxUnavailable",
        message: "Invalid value: 0: may not be 0 when `maxSurge` is 0",
      },
    ],
    [
      "maxUnavailable above 100%",
      (d) =>
        Object.assign(d.spec ?? {}, {
          strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: "150%" } },
        }),
      {
        reason: "FieldValueInvalid",
        field: "spec.strategy.rollingUpdate.maxUnavailable",
        message: 'Invalid value: "150%": must not be greater than 100%',
      },
    ],
    [
      "rollingUpdate with Recreate",
      (d) => Object.assign(d.spec ?? {}, { strategy: { type: "Recreate", rollingUpdate: {} } }),
      {
        reason: "FieldValueForbidden",
        field: "spec.strategy.rollingUpdate",
        message: "Forbidden: may not be specified when strategy `type` is 'Recreate'",
      },
    ],
    [
      "unknown strategy type",
      (d) => Object.assign(d.spec ?? {}, { strategy: { type: "BlueGreen" } }),
      {
        reason: "FieldValueNotSupported",
        field: "spec.strategy.type",
        message: 'Unsupported value: "BlueGreen": supported values: "Recreate", "RollingUpdate"',
      },
    ],
    [
      "progress deadline not above minReadySeconds",
      (d) => Object.assign(d.spec ?? {}, { minReadySeconds: 600 }),
      {
        reason: "FieldValueInvalid",
        field: "spec.progressDeadlineSeconds",
        message: "Invalid value: 600: must be greater than minReadySeconds",
      },
    ],
    [
      "bad name",
      (d) => Object.assign(d.metadata, { name: "Web_App" }),
      {
        reason: "FieldValueInvalid",
        field: "metadata.name",
        message: expect.stringContaining('Invalid value: "Web_App": a lowercase RFC 1123 subdomain'),
      },
    ],
    [
      "container without image",
      (d) => Object.assign(d.spec?.template?.spec?.containers?.[0] ?? {}, { image: "" }),
      { reason: "FieldValueRequired", field: "spec.template.spec.containers[0].image", message: "Required value" },
    ],
  ];
  it.each(cases)("%s", (_name, mutate, cause) => {
    expect(deploymentStrategy.validate(seedWith(mutate))).toEqual([cause]);
  });
});

describe("updates", () => {
  it("may not change the selector", () => {
    const old = created();
    const next = seedWith((d) => {
      Object.assign(d.spec ?? {}, { selector: { matchLabels: { app: "web-app", tier: "x" } } });
    });
    expect(deploymentStrategy.validateUpdate(next, old)).toEqual([
      {
        reason: "FieldValueInvalid",
        field: "spec.selector",
        message: 'Invalid value: {"matchLabels":{"app":"web-app","tier":"x"}}: field is immutable',
      },
    ]);
  });

  it("may change replicas and the image", () => {
    const old = created();
    const next = seedWith((d) => {
      Object.assign(d.spec ?? {}, { replicas: 5 });
      Object.assign(d.spec?.template?.spec?.containers?.[0] ?? {}, { image: "myapp:1.3.0" });
    });
    expect(deploymentStrategy.validateUpdate(next, old)).toEqual([]);
  });

  it("may not rename the object", () => {
    const old = created();
    const next = seedWith((d) => Object.assign(d.metadata, { name: "web-app-2" }));
    expect(deploymentStrategy.validateUpdate(next, old)).toEqual([
      {
        reason: "FieldValueInvalid",
        field: "metadata.name",
        message: 'Invalid value: "web-app-2": field is immutable',
      },
    ]);
  });
});

describe("ReplicaSet", () => {
  const rsBody = {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name: "web-app-5d4f8", namespace: "default" },
    spec: { selector: SEED.spec.selector, template: SEED.spec.template },
    status: { replicas: 3 },
  };

  function createdRS(): ReplicaSet {
    const { object } = replicaSetStrategy.decode(rsBody, "Strict");
    replicaSetStrategy.applyDefaults(object);
    replicaSetStrategy.prepareForCreate(object);
    return object;
  }

  it("defaults replicas to 1, defaults the template and clears status on create", () => {
    const rs = createdRS();
    expect(rs.spec?.replicas).toBe(1);
    expect(rs.spec?.template?.spec?.dnsPolicy).toBe("ClusterFirst");
    expect(rs.status).toEqual({});
    expect(replicaSetStrategy.validate(rs)).toEqual([]);
  });

  it("checks the selector against the template and keeps it immutable", () => {
    const rs = createdRS();
    const changed = createdRS();
    changed.spec = { ...changed.spec, selector: { matchLabels: { app: "x" } } };
    expect(replicaSetStrategy.validate(changed)).toEqual([
      {
        reason: "FieldValueInvalid",
        field: "spec.template.metadata.labels",
        message: 'Invalid value: {"app":"web-app"}: `selector` does not match template `labels`',
      },
    ]);
    expect(replicaSetStrategy.validateUpdate(changed, rs)).toHaveLength(1);
  });
});
