import { afterEach, describe, expect, it } from "vitest";
import { RuntimeError } from "../runtime/types.ts";
import { container, makePod, secret } from "./testing/fixtures.ts";
import { Harness } from "./testing/harness.ts";

let h: Harness;
afterEach(async () => h?.close());

const stateOf = (uid: string) => h.status(uid).containerStatuses?.[0]?.state;

describe("imagePullPolicy", () => {
  it("IfNotPresent uses a present image; Always pulls anyway; a :latest image defaults to Always", async () => {
    h = await Harness.create();
    h.runtime.images.set("registry.local/app:1.0", "registry.local/app@sha256:aa");
    h.runtime.images.set("registry.local/app:latest", "registry.local/app@sha256:bb");
    await h.set([
      makePod("present", { containers: [container("web", { imagePullPolicy: "IfNotPresent" })] }),
      makePod("always", { containers: [container("web", { imagePullPolicy: "Always" })] }),
      makePod("latest", { containers: [container("web", { image: "registry.local/app" })] }),
    ]);
    expect(h.runtime.pulls.map((p) => p.image)).toEqual(["registry.local/app:1.0", "registry.local/app"]);
    expect(h.eventTexts()).toContain(
      'Normal Pulled Container image "registry.local/app:1.0" already present on machine',
    );
    expect(h.status("uid-present").containerStatuses?.[0]?.imageID).toBe("registry.local/app@sha256:aa");
  });

  it("Never runs only a present image and otherwise waits with ErrImageNeverPull", async () => {
    h = await Harness.create();
    await h.set([makePod("never", { containers: [container("web", { imagePullPolicy: "Never" })] })]);
    expect(h.runtime.pulls).toEqual([]);
    expect(stateOf("uid-never")).toEqual({
      waiting: {
        reason: "ErrImageNeverPull",
        message: 'Container image "registry.local/app:1.0" is not present with pull policy of Never',
      },
    });
    expect(h.status("uid-never").phase).toBe("Pending");
    h.runtime.images.set("registry.local/app:1.0", "registry.local/app@sha256:aa");
    await h.tick(10_000);
    expect(stateOf("uid-never")?.running).toBeDefined();
  });

  it("a failed pull is ErrImagePull, then ImagePullBackOff until the back-off (10s, 20s...) ends", async () => {
    h = await Harness.create();
    const image = "registry.local/app:1.0";
    h.runtime.pullErrors.set(image, new RuntimeError("ErrImagePull", "manifest unknown"));
    await h.set([makePod("pull")]);
    expect(stateOf("uid-pull")).toEqual({ waiting: { reason: "ErrImagePull", message: "manifest unknown" } });
    expect(h.eventTexts()).toEqual([
      `Normal Pulling Pulling image "${image}"`,
      `Warning Failed Failed to pull image "${image}": manifest unknown`,
      "Warning Failed Error: ErrImagePull",
    ]);
    await h.tick(1000); // the relist sees the new sandbox and syncs again, within the back-off
    expect(stateOf("uid-pull")).toEqual({
      waiting: {
        reason: "ImagePullBackOff",
        message: `Back-off pulling image "${image}": ErrImagePull: manifest unknown`,
      },
    });
    expect(h.eventTexts()).toContain(`Normal BackOff Back-off pulling image "${image}"`);
    expect(h.eventTexts()).toContain("Warning Failed Error: ImagePullBackOff");
    expect(h.runtime.pulls).toHaveLength(1);
    await h.tick(9000);
    expect(h.runtime.pulls).toHaveLength(2);
    expect(stateOf("uid-pull")?.waiting?.reason).toBe("ErrImagePull");
    await h.tick(19_000);
    expect(h.runtime.pulls).toHaveLength(2);
    h.runtime.pullErrors.delete(image);
    await h.tick(1000);
    expect(h.runtime.pulls).toHaveLength(3);
    expect(stateOf("uid-pull")?.running).toBeDefined();
    expect(h.status("uid-pull").phase).toBe("Running");
  });

  it("passes the matching imagePullSecrets credentials to the pull", async () => {
    h = await Harness.create();
    const config = JSON.stringify({ auths: { "registry.local": { username: "robot", password: "s3cret" } } });
    const pull = secret("regcred", { ".dockerconfigjson": config }, "default", "kubernetes.io/dockerconfigjson");
    await h.set([makePod("auth", { imagePullSecrets: [{ name: "regcred" }] })], [], [pull]);
    expect(h.runtime.pulls).toEqual([
      { image: "registry.local/app:1.0", auth: { username: "robot", password: "s3cret" } },
    ]);
  });
});
