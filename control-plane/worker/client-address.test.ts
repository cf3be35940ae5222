import { describe, expect, it } from "vitest";
import { clientAddress, withoutPort } from "./client-address.ts";

// workerd's report on a local socket; Request's init types know only Cloudflare's own fields.
function request(clientIp: string | undefined, header?: string): Request {
  const cf = (clientIp === undefined ? undefined : { clientIp }) as RequestInitCfProperties | undefined;
  return new Request("https://kflare.test/", {
    headers: header === undefined ? {} : { "cf-connecting-ip": header },
    ...(cf === undefined ? {} : { cf }),
  });
}

describe("clientAddress", () => {
  it("takes workerd's report of the peer, without its port", () => {
    expect(clientAddress(request("192.0.2.4:51234"))).toBe("192.0.2.4");
    expect(clientAddress(request("[2001:db8::7]:443"))).toBe("2001:db8::7");
  });

  it("prefers that report to a CF-Connecting-IP header a local client could send", () => {
    expect(clientAddress(request("192.0.2.4:51234", "203.0.113.9"))).toBe("192.0.2.4");
  });

  it("falls back to Cloudflare's header, and to nothing", () => {
    expect(clientAddress(request(undefined, "203.0.113.9"))).toBe("203.0.113.9");
    expect(clientAddress(request(undefined))).toBeUndefined();
  });

  it("keeps an address that carries no port", () => {
    expect(withoutPort("192.0.2.4")).toBe("192.0.2.4");
    expect(withoutPort("2001:db8::7")).toBe("2001:db8::7");
    expect(withoutPort("[2001:db8::7]")).toBe("2001:db8::7");
  });
});
