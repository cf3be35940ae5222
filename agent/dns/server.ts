// The node's DNS server for its pods (UDP and TCP on one port): cluster names from ClusterRecords,
// everything else forwarded to the node's resolvers. Packets are encoded and decoded by dns-packet.
// It answers only the sources it is told to (the cluster's pod network and the node itself), so a
// node on a home LAN never becomes an open resolver.

import { createSocket, type Socket } from "node:dgram";
import { createServer, type Server, type Socket as TcpSocket } from "node:net";
import * as dns from "dns-packet";
import { type ClusterRecords, type DnsRecord, TTL } from "./records.ts";
import { forward } from "./upstream.ts";

const RCODE_SERVFAIL = 2;
const RCODE_NXDOMAIN = 3;
const RCODE_REFUSED = 5;
/** Encoded answers kept per question; the cache starts over past this many (names are few). */
const CACHE_LIMIT = 10_000;

export interface DnsServerOptions {
  records: ClusterRecords;
  /** The node's resolvers for names outside the cluster ("ip" or "ip:port"). */
  upstreams: () => readonly string[];
  /** Whether a client address may ask (pods and the node itself). */
  allowed: (address: string) => boolean;
  host?: string;
  port: number;
  log?: (line: string) => void;
}

function toAnswer(r: DnsRecord): dns.Answer {
  switch (r.type) {
    case "A":
      return { type: "A", name: r.name, ttl: TTL, class: "IN", data: r.address };
    case "CNAME":
      return { type: "CNAME", name: r.name, ttl: TTL, class: "IN", data: r.target };
    case "PTR":
      return { type: "PTR", name: r.name, ttl: TTL, class: "IN", data: r.target };
    case "SRV":
      return {
        type: "SRV",
        name: r.name,
        ttl: TTL,
        class: "IN",
        data: { port: r.port, target: r.target, priority: r.priority, weight: r.weight },
      };
  }
}

function soa(zone: string): dns.Answer {
  return {
    type: "SOA",
    name: zone,
    ttl: TTL,
    class: "IN",
    data: {
      mname: `ns.dns.${zone}`,
      rname: `hostmaster.${zone}`,
      serial: 1,
      refresh: 7200,
      retry: 1800,
      expire: 86400,
      minimum: TTL,
    },
  };
}

export class DnsServer {
  private readonly opts: DnsServerOptions;
  private udp: Socket | undefined;
  private tcp: Server | undefined;
  private readonly tcpClients = new Set<TcpSocket>();
  /** Encoded cluster answers by records version, question and RD bit; only the id differs per query. */
  private readonly cache = new Map<string, Buffer>();
  private cacheVersion = -1;

  constructor(opts: DnsServerOptions) {
    this.opts = opts;
  }

  /** The answer to one query packet (undefined: drop it). */
  async answer(query: Buffer): Promise<Buffer | undefined> {
    let packet: dns.DecodedPacket;
    try {
      packet = dns.decode(query);
    } catch {
      return undefined;
    }
    if (packet.type !== "query") return undefined;
    const question = packet.questions?.[0];
    const reply = (flags: number, answers: dns.Answer[] = [], authorities: dns.Answer[] = []) =>
      dns.encode({
        type: "response",
        id: packet.id,
        flags: flags | dns.RECURSION_AVAILABLE | ((packet.flags ?? 0) & dns.RECURSION_DESIRED),
        questions: packet.questions,
        answers,
        authorities,
      });
    if (!question) return reply(RCODE_REFUSED);
    const records = this.opts.records;
    if (this.cacheVersion !== records.version || this.cache.size > CACHE_LIMIT) {
      this.cache.clear();
      this.cacheVersion = records.version;
    }
    // The name as asked (resolvers may randomise its case and check the echo), the type, RD.
    const key = `${question.name}|${question.type}|${(packet.flags ?? 0) & dns.RECURSION_DESIRED}|${packet.questions?.length}`;
    const cached = this.cache.get(key);
    if (cached) {
      const out = Buffer.from(cached);
      out.writeUInt16BE(packet.id ?? 0, 0);
      return out;
    }
    const answer = this.answerCluster(question, reply);
    if (answer) {
      this.cache.set(key, answer);
      return answer;
    }
    const forwarded = await forward(this.opts.upstreams(), query);
    return forwarded ?? reply(RCODE_SERVFAIL);
  }

  /** A cluster name's answer, or undefined when the name is not the cluster's (forward it). */
  private answerCluster(
    question: dns.Question,
    reply: (flags: number, answers?: dns.Answer[], authorities?: dns.Answer[]) => Buffer,
  ): Buffer | undefined {
    const lookup = this.opts.records.lookup(question.name, question.type);
    const zone = this.opts.records.zone;
    switch (lookup.kind) {
      case "nxdomain":
        return reply(dns.AUTHORITATIVE_ANSWER | RCODE_NXDOMAIN, [], [soa(zone)]);
      case "answer":
        return lookup.records.length > 0
          ? reply(dns.AUTHORITATIVE_ANSWER, lookup.records.map(toAnswer))
          : reply(dns.AUTHORITATIVE_ANSWER, [], [soa(zone)]);
      case "forward":
        return undefined;
    }
  }

  async start(): Promise<void> {
    const host = this.opts.host ?? "0.0.0.0";
    const udp = createSocket({ type: "udp4", reuseAddr: true });
    udp.on("message", (msg, rinfo) => {
      if (!this.opts.allowed(rinfo.address)) return;
      this.answer(msg)
        .then((out) => {
          if (out) udp.send(out, rinfo.port, rinfo.address);
        })
        .catch((err: unknown) => this.opts.log?.(`dns: ${(err as Error).message}`));
    });
    await new Promise<void>((resolve, reject) => {
      udp.once("error", reject);
      udp.bind(this.opts.port, host, () => {
        udp.off("error", reject);
        resolve();
      });
    });
    this.udp = udp;
    const tcp = createServer((socket) => this.serveTcp(socket));
    await new Promise<void>((resolve, reject) => {
      tcp.once("error", reject);
      tcp.listen(this.opts.port, host, () => {
        tcp.off("error", reject);
        resolve();
      });
    });
    this.tcp = tcp;
  }

  /** DNS over TCP: each message is prefixed with its 2-byte length. */
  private serveTcp(socket: TcpSocket): void {
    if (!this.opts.allowed(socket.remoteAddress?.replace(/^::ffff:/, "") ?? "")) {
      socket.destroy();
      return;
    }
    this.tcpClients.add(socket);
    socket.on("close", () => this.tcpClients.delete(socket));
    socket.on("error", () => socket.destroy());
    let buffered = Buffer.alloc(0);
    socket.on("data", (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2) {
        const length = buffered.readUInt16BE(0);
        if (buffered.length < 2 + length) break;
        const query = buffered.subarray(2, 2 + length);
        buffered = buffered.subarray(2 + length);
        this.answer(Buffer.from(query))
          .then((out) => {
            if (!out || socket.destroyed) return;
            const len = Buffer.alloc(2);
            len.writeUInt16BE(out.length);
            socket.write(Buffer.concat([len, out]));
          })
          .catch(() => socket.destroy());
      }
    });
  }

  async stop(): Promise<void> {
    for (const s of this.tcpClients) s.destroy();
    await Promise.all([
      new Promise<void>((resolve) => (this.udp ? this.udp.close(() => resolve()) : resolve())),
      new Promise<void>((resolve) => (this.tcp ? this.tcp.close(() => resolve()) : resolve())),
    ]);
    this.udp = undefined;
    this.tcp = undefined;
  }
}
