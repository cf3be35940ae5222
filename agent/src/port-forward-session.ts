// The server side of kubectl port-forward's SPDY/3.1 session, as kubelet's streaming server runs
// it: kubectl opens two streams per local connection, an error stream and a data stream, paired by
// their requestid header. The data stream's bytes go to a TCP connection to the pod's port (dialled
// by the caller's `dial`) and back; when that connection ends the data stream gets a FIN, then the
// error stream gets the error text, if any, and a FIN (no text means success). PINGs are echoed.
// Transport-free: bytes in through push(), bytes out through `send`, so it is tested without sockets.

import type { Duplex } from "node:stream";
import {
  controlStreamId,
  dataFrame,
  GOAWAY,
  HeaderBlockWriter,
  PING,
  pingFrame,
  RST_STREAM,
  type SpdyFrame,
  SpdyFrameReader,
  SYN_STREAM,
  synReplyFrame,
} from "../runtime/cri/spdy-frames.ts";
import { SpdyHeaderReader } from "./spdy-header-reader.ts";

export interface PortForwardOptions {
  /** Bytes for kubectl (SPDY frames). */
  send(bytes: Buffer): void;
  /** A connection to the pod's `port` (a TCP socket, or a relay's pipes); rejects with the reason (it reaches kubectl). */
  dial(port: number): Promise<Duplex>;
  /** The pod, for error texts (as kubelet words them). */
  pod: string;
  uid: string;
  log(line: string): void;
  /** A pod connection is full: stop reading kubectl's bytes until `drained` settles. */
  blocked?(drained: Promise<void>): void;
}

interface DataStream {
  id: number;
  requestId: string;
  port: number;
  socket: Duplex | undefined;
  /** kubectl's bytes that arrived while dialling, and whether it half-closed meanwhile. */
  pending: Buffer[];
  clientFin: boolean;
  /** The pod's side ended and kubectl got the data stream's FIN. */
  serverFin: boolean;
  done: boolean;
}

export class PortForwardSession {
  private readonly opts: PortForwardOptions;
  private readonly frames = new SpdyFrameReader();
  private readonly headers = new SpdyHeaderReader();
  private readonly replies = new HeaderBlockWriter();
  private readonly data = new Map<number, DataStream>();
  /** Error streams by requestid. */
  private readonly errors = new Map<string, number>();
  /** Frames are handled in order (header blocks inflate asynchronously). */
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(opts: PortForwardOptions) {
    this.opts = opts;
  }

  /** Bytes from kubectl, with arbitrary boundaries. */
  push(chunk: Buffer): void {
    let frames: SpdyFrame[];
    try {
      frames = this.frames.push(chunk);
    } catch (err) {
      this.opts.log(`port-forward: unreadable SPDY stream: ${(err as Error).message}`);
      this.close();
      return;
    }
    for (const frame of frames)
      this.queue = this.queue
        .then(() => this.handle(frame))
        .catch((err: unknown) => {
          this.opts.log(`port-forward ${this.opts.pod}: ${(err as Error).message}`);
          this.close();
        });
  }

  /** Pauses or resumes reading from the pod (kubectl's side is not taking bytes fast enough). */
  setUpstreamPaused(paused: boolean): void {
    for (const s of this.data.values()) {
      if (paused) s.socket?.pause();
      else s.socket?.resume();
    }
  }

  /** Ends every connection (kubectl went away). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.data.values()) {
      s.done = true;
      s.socket?.destroy();
    }
    this.data.clear();
    this.headers.close();
  }

  private send(bytes: Buffer): void {
    if (!this.closed) this.opts.send(bytes);
  }

  private async handle(frame: SpdyFrame): Promise<void> {
    if (this.closed) return;
    if (frame.kind === "data") return this.onData(frame.streamId, frame.data, frame.fin);
    switch (frame.type) {
      case SYN_STREAM:
        return this.onSynStream(frame.payload);
      case RST_STREAM: {
        const s = this.data.get(controlStreamId(frame.payload));
        if (s) this.forget(s);
        return;
      }
      case PING:
        this.send(pingFrame(frame.payload));
        return;
      case GOAWAY:
        this.close();
        return;
      default:
        // SETTINGS, WINDOW_UPDATE, HEADERS: nothing to do (kubectl's client has no flow control).
        return;
    }
  }

  private async onSynStream(payload: Buffer): Promise<void> {
    if (payload.length < 10) throw new Error("short SYN_STREAM");
    const id = payload.readUInt32BE(0) & 0x7fffffff;
    const headers = await this.headers.read(payload.subarray(10));
    this.send(synReplyFrame(id, this.replies.block({})));
    const type = headers.get("streamtype")?.[0];
    const requestId = headers.get("requestid")?.[0] ?? "";
    const portText = headers.get("port")?.[0] ?? "";
    if (type === "error") {
      this.errors.set(requestId, id);
      return;
    }
    if (type !== "data") return;
    const stream: DataStream = {
      id,
      requestId,
      port: Number(portText),
      socket: undefined,
      pending: [],
      clientFin: false,
      serverFin: false,
      done: false,
    };
    this.data.set(id, stream);
    const port = stream.port;
    if (!/^[0-9]+$/.test(portText) || port < 1 || port > 65535) {
      this.finish(stream, `invalid port ${JSON.stringify(portText)}`);
      return;
    }
    this.connect(stream);
  }

  private connect(stream: DataStream): void {
    this.opts.dial(stream.port).then(
      (socket) => {
        if (stream.done) {
          socket.destroy();
          return;
        }
        stream.socket = socket;
        let failure: string | undefined;
        socket.on("data", (chunk: Buffer) => this.send(dataFrame(stream.id, chunk)));
        socket.on("end", () => {
          stream.serverFin = true;
          this.send(dataFrame(stream.id, Buffer.alloc(0), true));
        });
        socket.on("error", (err) => {
          failure = err.message;
        });
        socket.on("close", () => this.finish(stream, failure));
        for (const bytes of stream.pending.splice(0)) socket.write(bytes);
        if (stream.clientFin) socket.end();
      },
      (err: unknown) => this.finish(stream, (err as Error).message),
    );
  }

  private onData(id: number, bytes: Buffer, fin: boolean): void {
    const stream = this.data.get(id);
    if (!stream) return; // the error stream (kubectl never writes to it), or a stream already over
    if (!stream.socket) {
      if (bytes.length > 0) stream.pending.push(bytes);
      if (fin) stream.clientFin = true;
      return;
    }
    const socket = stream.socket;
    if (bytes.length > 0 && !socket.write(bytes))
      this.opts.blocked?.(
        new Promise((resolve) => {
          socket.once("drain", resolve);
          socket.once("close", resolve);
        }),
      );
    if (fin) socket.end();
  }

  /** The connection is over: FIN on the data stream (unless the pod's side sent it), then the error stream. */
  private finish(stream: DataStream, error: string | undefined): void {
    if (stream.done) return;
    stream.done = true;
    this.data.delete(stream.id);
    if (!stream.serverFin) this.send(dataFrame(stream.id, Buffer.alloc(0), true));
    const errorId = this.errors.get(stream.requestId);
    this.errors.delete(stream.requestId);
    if (errorId === undefined) return;
    if (error !== undefined) {
      const text = `error forwarding port ${stream.port} to pod ${this.opts.pod}, uid ${this.opts.uid}: ${error}`;
      this.send(dataFrame(errorId, Buffer.from(text)));
    }
    this.send(dataFrame(errorId, Buffer.alloc(0), true));
  }

  private forget(stream: DataStream): void {
    stream.done = true;
    this.data.delete(stream.id);
    this.errors.delete(stream.requestId);
    stream.socket?.destroy();
  }
}
