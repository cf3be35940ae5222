import { describe, expect, it } from "vitest";
import { type IssuedToken, ServiceAccountTokens, type TokenRequest } from "./service-account-tokens.ts";
import { makePod } from "./testing/fixtures.ts";

function setUp() {
  let now = Date.parse("2026-01-01T00:00:00Z");
  const asked: TokenRequest[] = [];
  let offline = false;
  const tokens = new ServiceAccountTokens(
    async (r): Promise<IssuedToken> => {
      asked.push(r);
      if (offline) throw new Error("the control plane is unreachable from this node");
      return {
        token: `t${asked.length}`,
        expirationTimestamp: new Date(now + r.expirationSeconds * 1000).toISOString(),
      };
    },
    () => now,
  );
  return {
    tokens,
    asked,
    advance: (ms: number) => {
      now += ms;
    },
    setOffline: (v: boolean) => {
      offline = v;
    },
  };
}

describe("service-account tokens", () => {
  it("asks once per pod, audience and lifetime, bound to the pod, and again after 80% of the lifetime", async () => {
    const { tokens, asked, advance } = setUp();
    const pod = makePod("web", { serviceAccountName: "builder" });
    expect(await tokens.token(pod, undefined, 3607)).toBe("t1");
    expect(asked[0]).toEqual({
      namespace: "default",
      serviceAccount: "builder",
      pod: "web",
      podUid: pod.metadata.uid,
      expirationSeconds: 3607,
    });
    expect(await tokens.token(pod, undefined, 3607)).toBe("t1");
    expect(await tokens.token(pod, "vault", 3607)).toBe("t2");
    expect(asked[1]!.audiences).toEqual(["vault"]);
    advance(0.79 * 3607_000);
    expect(await tokens.token(pod, undefined, 3607)).toBe("t1");
    advance(0.02 * 3607_000);
    expect(await tokens.token(pod, undefined, 3607)).toBe("t3");
    // TokenRequest's floor is 10 minutes: less is asked as 600 s.
    await tokens.token(pod, undefined, 60);
    expect(asked.at(-1)!.expirationSeconds).toBe(600);
  });

  it("keeps serving an unexpired token while the control plane is unreachable, and fails once it has expired", async () => {
    const { tokens, advance, setOffline } = setUp();
    const pod = makePod("web");
    expect(await tokens.token(pod, undefined, 600)).toBe("t1");
    setOffline(true);
    advance(590_000);
    expect(await tokens.token(pod, undefined, 600)).toBe("t1");
    advance(20_000);
    await expect(tokens.token(pod, undefined, 600)).rejects.toThrow("unreachable");
    const fresh = makePod("new");
    await expect(tokens.token(fresh, undefined, 600)).rejects.toThrow("unreachable");
  });

  it("forgets a pod's tokens when the pod is gone", async () => {
    const { tokens, asked } = setUp();
    const pod = makePod("web");
    await tokens.token(pod, undefined, 3607);
    tokens.forget(pod.metadata.uid ?? "");
    await tokens.token(pod, undefined, 3607);
    expect(asked).toHaveLength(2);
  });
});
