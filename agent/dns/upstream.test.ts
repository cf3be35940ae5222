import { describe, expect, it } from "vitest";
import { parseResolvConf, podResolvConf } from "./upstream.ts";

describe("the node's resolv.conf", () => {
  it("is parsed for nameservers, searches and options, comments dropped", () => {
    expect(parseResolvConf("# managed\nnameserver 192.168.1.1\nsearch home.lan\noptions edns0 trust-ad\n")).toEqual({
      nameservers: ["192.168.1.1"],
      searches: ["home.lan"],
      options: ["edns0", "trust-ad"],
    });
  });

  it("gives pods systemd-resolved's upstream servers instead of its 127.0.0.53 stub", async () => {
    const stub = parseResolvConf("nameserver 127.0.0.53\nsearch home.lan\noptions edns0\n");
    const real = parseResolvConf("nameserver 192.168.1.1\nsearch home.lan\n");
    expect(await podResolvConf(stub, async () => real)).toEqual(real);
    // Without a usable file, pods get no loopback server (it would answer nothing inside a pod).
    expect((await podResolvConf(stub, async () => undefined)).nameservers).toEqual([]);
    const lan = parseResolvConf("nameserver 192.168.1.1\n");
    expect(await podResolvConf(lan, async () => real)).toBe(lan);
  });
});
