import { describe, expect, it } from "vitest";
import type { Container } from "../../../schemas/core/container.ts";
import type { Pod } from "../../../schemas/core/pod.ts";
import { podStrategy } from "./pod.ts";
import { POD_UPDATE_FORBIDDEN } from "./pod-update.ts";

function podBody(spec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web", namespace: "default" },
    spec: { containers: [{ name: "web", image: "nginx:1.27" }], ...spec },
  };
}

function created(body: unknown = podBody()): Pod {
  const { object } = podStrategy.decode(body, "Strict");
  podStrategy.applyDefaults(object);
  podStrategy.prepareForCreate(object);
  return object;
}

function container(pod: Pod, i = 0): Container {
  const c = pod.spec?.containers?.[i];
  if (!c) throw new Error("no container");
  return c;
}

describe("updates", () => {
  it("allow a new image", () => {
    const old = created();
    const next = created();
    container(next).image = "nginx:1.28";
    expect(podStrategy.validateUpdate(next, old)).toEqual([]);
  });

  it("allow added tolerations but not removed ones", () => {
    const old = created();
    const added = created();
    added.spec?.tolerations?.push({ key: "dedicated", operator: "Exists", effect: "NoSchedule" });
    expect(podStrategy.validateUpdate(added, old)).toEqual([]);
    const removed = created();
    if (removed.spec) removed.spec.tolerations = [];
    expect(podStrategy.validateUpdate(removed, old)).toEqual([
      {
        reason: "FieldValueForbidden",
        field: "spec.tolerations",
        message: "Forbidden: existing toleration can not be modified except its tolerationSeconds",
      },
    ]);
  });

  it("refuse any other spec change with upstream's message", () => {
    const old = created();
    const next = created();
    container(next).ports = [{ containerPort: 8080, protocol: "TCP" }];
    const causes = podStrategy.validateUpdate(next, old);
    expect(causes).toHaveLength(1);
    expect(causes[0]?.reason).toBe("FieldValueForbidden");
    expect(causes[0]?.field).toBe("spec");
    expect(causes[0]?.message?.startsWith(`Forbidden: ${POD_UPDATE_FORBIDDEN}\n`)).toBe(true);
    expect(causes[0]?.message).toContain("spec.containers");
  });

  it("only lower activeDeadlineSeconds", () => {
    const old = created(podBody({ activeDeadlineSeconds: 30 }));
    const next = created(podBody({ activeDeadlineSeconds: 60 }));
    expect(podStrategy.validateUpdate(next, old)).toEqual([
      {
        reason: "FieldValueInvalid",
        field: "spec.activeDeadlineSeconds",
        message: "Invalid value: 60: must be less than or equal to previous value",
      },
    ]);
    expect(podStrategy.validateUpdate(created(podBody({ activeDeadlineSeconds: 10 })), old)).toEqual([]);
  });

  it("tracks generation", () => {
    expect(podStrategy.tracksGeneration).toBe(true);
    expect(podStrategy.hasStatus).toBe(true);
  });
});
