// kubectl port-forward's SPDY/3.1 session on the agent, against a scripted kubectl: the SPDY/3
// dictionary's bytes, headers compressed as Go's zlib writer does (one stream, a sync flush per
// block), replies an inflater reads block by block, bytes relayed to a TCP server and back with
// the FIN and error-stream sequence kubectl waits for, dial errors on the error stream, PINGs.

import { once } from "node:events";
import { type AddressInfo, createServer, type Server, type Socket } from "node:net";
import { constants, createDeflate, createInflate, type Deflate, type Inflate } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import {
  dataFrame,
  PING,
  pingFrame,
  type SpdyFrame,
  SpdyFrameReader,
  SYN_REPLY,
  synStreamFrame,
} from "../runtime/cri/spdy-frames.ts";
import { PortForwardSession } from "./port-forward-session.ts";
import { SPDY3_DICTIONARY } from "./spdy-dictionary.ts";
import { parseHeaderBlock, SpdyHeaderReader } from "./spdy-header-reader.ts";

function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (const x of bytes) {
    a = (a + x) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

function rawBlock(headers: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  parts.push(u32(Object.keys(headers).length));
  for (const [k, v] of Object.entries(headers))
    parts.push(u32(k.length), Buffer.from(k), u32(v.length), Buffer.from(v));
  return Buffer.concat(parts);
}

/** One zlib stream over blocks, each ending with a sync flush (what kubectl's SPDY writer sends). */
class Compressor {
  private readonly deflate: Deflate = createDeflate({ dictionary: SPDY3_DICTIONARY });
  private readonly out: Buffer[] = [];
  constructor() {
    this.deflate.on("data", (c: Buffer) => this.out.push(c));
  }
  block(headers: Record<string, string>): Promise<Buffer> {
    this.deflate.write(rawBlock(headers));
    return new Promise((resolve) =>
      this.deflate.flush(constants.Z_SYNC_FLUSH, () => setImmediate(() => resolve(Buffer.concat(this.out.splice(0))))),
    );
  }
}

/** Inflates the session's reply blocks (each must come out whole at its frame's end). */
class Decompressor {
  private readonly inflate: Inflate = createInflate({ dictionary: SPDY3_DICTIONARY });
  private readonly out: Buffer[] = [];
  constructor() {
    this.inflate.on("data", (c: Buffer) => this.out.push(c));
  }
  block(bytes: Buffer): Promise<Buffer> {
    this.inflate.write(bytes);
    return new Promise((resolve) =>
      this.inflate.flush(constants.Z_SYNC_FLUSH, () => setImmediate(() => resolve(Buffer.concat(this.out.splice(0))))),
    );
  }
}

/** Polls `probe` every 10 ms until it returns something, for at most `ms`. */
async function eventually<T>(what: string, probe: () => T | undefined, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A scripted kubectl: writes frames into the session in 2-byte pieces, reads its answers. */
class Kubectl {
  readonly frames: SpdyFrame[] = [];
  private readonly reader = new SpdyFrameReader();
  private readonly compressor = new Compressor();
  readonly session: PortForwardSession;
  constructor(dial: (port: number) => Promise<Socket>) {
    this.session = new PortForwardSession({
      send: (bytes) => this.frames.push(...this.reader.push(bytes)),
      dial,
      pod: "web",
      uid: "u-1",
      log: () => {},
    });
  }
  write(bytes: Buffer): void {
    for (let at = 0; at < bytes.length; at += 2) this.session.push(bytes.subarray(at, at + 2));
  }
  async open(id: number, streamtype: string, port: string, requestid: string): Promise<void> {
    this.write(synStreamFrame(id, await this.compressor.block({ streamtype, port, requestid })));
  }
  dataOn(id: number): { bytes: string; fin: boolean } {
    const mine = this.frames.filter((f) => f.kind === "data" && f.streamId === id);
    return {
      bytes: Buffer.concat(mine.map((f) => (f.kind === "data" ? f.data : Buffer.alloc(0)))).toString(),
      fin: mine.some((f) => f.kind === "data" && f.fin),
    };
  }
}

let servers: Server[] = [];
afterEach(() => {
  for (const s of servers) s.close();
  servers = [];
});

/** A TCP server on 127.0.0.1 answering each connection's first bytes with "<prefix><bytes>" and closing. */
async function upperServer(): Promise<number> {
  const server = createServer((socket) => {
    socket.once("data", (d: Buffer) => socket.end(`got:${d.toString()}`));
  });
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return (server.address() as AddressInfo).port;
}

async function dialLocal(port: number): Promise<Socket> {
  const { connect } = await import("node:net");
  return new Promise((resolve, reject) => {
    const s = connect({ host: "127.0.0.1", port });
    s.once("connect", () => resolve(s));
    s.once("error", (e) => reject(new Error(`dial tcp 127.0.0.1:${port}: ${e.message}`)));
  });
}

describe("kubectl port-forward's SPDY session (agent side)", () => {
  it("has the SPDY/3 dictionary's exact bytes", () => {
    expect(SPDY3_DICTIONARY.length).toBe(1423);
    expect(adler32(SPDY3_DICTIONARY).toString(16)).toBe("e3c6a7c2");
  });

  it("inflates header blocks of one zlib stream, block by block", async () => {
    const compressor = new Compressor();
    const reader = new SpdyHeaderReader();
    for (const requestid of ["0", "1", "2"]) {
      for (const streamtype of ["error", "data"]) {
        const headers = await reader.read(await compressor.block({ streamtype, port: "3000", requestid }));
        expect(Object.fromEntries([...headers].map(([k, v]) => [k, v[0]]))).toEqual({
          streamtype,
          port: "3000",
          requestid,
        });
      }
    }
    reader.close();
    expect([...parseHeaderBlock(rawBlock({ A: "x\0y" }))]).toEqual([["a", ["x", "y"]]]);
    expect(() => parseHeaderBlock(Buffer.from([0, 0, 0, 1, 0, 0]))).toThrow("truncated");
  });

  it("relays two connections to the pod's port, each ended as kubectl expects", async () => {
    const port = await upperServer();
    const dialled: number[] = [];
    const kubectl = new Kubectl((p) => {
      dialled.push(p);
      return dialLocal(p);
    });
    const replies = new Decompressor();
    for (const [requestid, errorId, dataId] of [
      ["0", 1, 3],
      ["1", 5, 7],
    ] as const) {
      await kubectl.open(errorId, "error", String(port), requestid);
      kubectl.write(dataFrame(errorId, Buffer.alloc(0), true));
      await kubectl.open(dataId, "data", String(port), requestid);
      kubectl.write(dataFrame(dataId, Buffer.from(`hello ${requestid}`)));
      await eventually("the error stream's FIN", () => (kubectl.dataOn(errorId).fin ? true : undefined));
      expect(kubectl.dataOn(dataId)).toEqual({ bytes: `got:hello ${requestid}`, fin: true });
      expect(kubectl.dataOn(errorId)).toEqual({ bytes: "", fin: true });
    }
    expect(dialled).toEqual([port, port]);
    // Every stream got a SYN_REPLY whose header block inflates on its own (zero headers).
    const synReplies = kubectl.frames.filter((f) => f.kind === "control" && f.type === SYN_REPLY);
    expect(synReplies.map((f) => (f.kind === "control" ? f.payload.readUInt32BE(0) : 0))).toEqual([1, 3, 5, 7]);
    const first = synReplies[0]!;
    expect(first.kind === "control" && [...first.payload.subarray(4, 6)]).toEqual([0x78, 0xbb]);
    for (const f of synReplies)
      if (f.kind === "control") expect([...(await replies.block(f.payload.subarray(4)))]).toEqual([0, 0, 0, 0]);
    kubectl.session.close();
  });

  it("reports a refused port on the error stream, answers PINGs, and rejects bad ports", async () => {
    const closed = await upperServer();
    servers[0]!.close();
    const kubectl = new Kubectl(dialLocal);
    await kubectl.open(1, "error", String(closed), "0");
    await kubectl.open(3, "data", String(closed), "0");
    await eventually("the error text", () => (kubectl.dataOn(1).fin ? true : undefined));
    expect(kubectl.dataOn(1).bytes).toMatch(
      new RegExp(`^error forwarding port ${closed} to pod web, uid u-1: dial tcp 127.0.0.1:${closed}: .*ECONNREFUSED`),
    );
    expect(kubectl.dataOn(3)).toEqual({ bytes: "", fin: true });

    kubectl.write(pingFrame(Buffer.from([0, 0, 0, 1])));
    await eventually("the PING echo", () =>
      kubectl.frames.find((f) => f.kind === "control" && f.type === PING) ? true : undefined,
    );

    await kubectl.open(5, "error", "http", "1");
    await kubectl.open(7, "data", "http", "1");
    await eventually("the bad port's error", () => (kubectl.dataOn(5).fin ? true : undefined));
    expect(kubectl.dataOn(5).bytes).toContain('invalid port "http"');
    kubectl.session.close();
  });
});
