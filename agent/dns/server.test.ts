// The DNS server over real UDP and TCP sockets on loopback, with dns-packet as the client, and a
// stand-in upstream resolver for forwarded names.

import { createSocket } from "node:dgram";
import { connect } from "node:net";
import * as dns from "dns-packet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClusterRecords } from "./records.ts";
import { DnsServer } from "./server.ts";

let server: DnsServer;
let records: ClusterRecords;
let port = 0;
const upstream = createSocket("udp4");
let upstreamPort = 0;
let allowed = true;

async function freePort(): Promise<number> {
  const s = createSocket("udp4");
  await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
  const p = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

function query(name: string, type: dns.RecordType, id = 7): Buffer {
  return dns.encode({ type: "query", id, flags: dns.RECURSION_DESIRED, questions: [{ type, name }] });
}

function udpAsk(name: string, type: dns.RecordType, timeoutMs = 2000, id = 7): Promise<dns.DecodedPacket | undefined> {
  return new Promise((resolve) => {
    const s = createSocket("udp4");
    const timer = setTimeout(() => {
      s.close();
      resolve(undefined);
    }, timeoutMs);
    s.on("message", (msg) => {
      clearTimeout(timer);
      s.close();
      resolve(dns.decode(msg));
    });
    s.send(query(name, type, id), port, "127.0.0.1");
  });
}

function tcpAsk(name: string, type: dns.RecordType): Promise<dns.DecodedPacket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let buf = Buffer.alloc(0);
    socket.on("data", (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        socket.end();
        resolve(dns.decode(buf.subarray(2, 2 + buf.readUInt16BE(0))));
      }
    });
    socket.on("error", reject);
    socket.write(dns.streamEncode(dns.decode(query(name, type))));
  });
}

function rcode(p: dns.DecodedPacket): string {
  return (p as dns.DecodedPacket & { rcode: string }).rcode;
}

beforeAll(async () => {
  // The stand-in upstream answers every name with 192.0.2.1.
  upstream.on("message", (msg, rinfo) => {
    const q = dns.decode(msg);
    const answer = dns.encode({
      type: "response",
      id: q.id,
      flags: dns.RECURSION_AVAILABLE,
      questions: q.questions,
      answers: [{ type: "A", name: q.questions![0]!.name, ttl: 60, data: "192.0.2.1" }],
    });
    upstream.send(answer, rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => upstream.bind(0, "127.0.0.1", () => r()));
  upstreamPort = upstream.address().port;
  records = new ClusterRecords();
  records.update(
    [{ metadata: { name: "web-app", namespace: "default" }, spec: { clusterIP: "10.43.0.20", ports: [{ port: 80 }] } }],
    [],
  );
  // A port free for UDP may be taken for TCP by another process's connection: pick again then.
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    server = new DnsServer({
      records,
      upstreams: () => [`127.0.0.1:${upstreamPort}`],
      allowed: () => allowed,
      host: "127.0.0.1",
      port,
    });
    try {
      await server.start();
      break;
    } catch (err) {
      await server.stop().catch(() => undefined);
      if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE" || attempt === 5) throw err;
    }
  }
});

afterAll(async () => {
  await server.stop();
  upstream.close();
});

describe("the node's DNS server", () => {
  it("answers cluster names over UDP, authoritatively, with a 5 s TTL", async () => {
    const answer = await udpAsk("web-app.default.svc.cluster.local", "A");
    expect(answer).toMatchObject({ id: 7, flag_aa: true, answers: [{ type: "A", data: "10.43.0.20", ttl: 5 }] });
    expect(rcode(answer!)).toBe("NOERROR");
  });

  it("answers repeated questions from its cache with each query's id, and follows updates", async () => {
    const first = await udpAsk("web-app.default.svc.cluster.local", "A", 2000, 100);
    const again = await udpAsk("web-app.default.svc.cluster.local", "A", 2000, 101);
    expect([first!.id, again!.id]).toEqual([100, 101]);
    expect(again!.answers).toMatchObject([{ data: "10.43.0.20" }]);
    records.update(
      [
        {
          metadata: { name: "web-app", namespace: "default" },
          spec: { clusterIP: "10.43.0.21", ports: [{ port: 80 }] },
        },
      ],
      [],
    );
    try {
      expect((await udpAsk("web-app.default.svc.cluster.local", "A"))!.answers).toMatchObject([{ data: "10.43.0.21" }]);
    } finally {
      records.update(
        [
          {
            metadata: { name: "web-app", namespace: "default" },
            spec: { clusterIP: "10.43.0.20", ports: [{ port: 80 }] },
          },
        ],
        [],
      );
    }
  });

  it("answers a ClusterIP's reverse lookup with its Service's name", async () => {
    const answer = await udpAsk("20.0.43.10.in-addr.arpa", "PTR");
    expect(answer!.answers).toMatchObject([{ type: "PTR", data: "web-app.default.svc.cluster.local" }]);
  });

  it("answers over TCP too", async () => {
    const answer = await tcpAsk("web-app.default.svc.cluster.local", "A");
    expect(answer.answers).toMatchObject([{ data: "10.43.0.20" }]);
  });

  it("says NXDOMAIN with the zone's SOA for a missing cluster name, and NODATA for AAAA", async () => {
    const missing = await udpAsk("nope.default.svc.cluster.local", "A");
    expect(rcode(missing!)).toBe("NXDOMAIN");
    expect(missing!.authorities).toMatchObject([{ type: "SOA", name: "cluster.local" }]);
    const aaaa = await udpAsk("web-app.default.svc.cluster.local", "AAAA");
    expect(rcode(aaaa!)).toBe("NOERROR");
    expect(aaaa!.answers).toEqual([]);
  });

  it("forwards other names to the node's resolver", async () => {
    const answer = await udpAsk("example.org", "A");
    expect(answer!.answers).toMatchObject([{ type: "A", data: "192.0.2.1" }]);
  });

  it("ignores clients it is not told to answer", async () => {
    allowed = false;
    try {
      expect(await udpAsk("web-app.default.svc.cluster.local", "A", 300)).toBeUndefined();
    } finally {
      allowed = true;
    }
  });
});
