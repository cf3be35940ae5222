// The ingress link: HTTP requests (and WebSockets) from the edge to a node's pods, multiplexed
// over one long-lived WebSocket per node that is separate from the control socket, so request
// bodies never delay control frames and no request pays for a new connection.
//
// Every message is binary: [type u8][stream id u32 big-endian][payload]. Stream ids are chosen by
// the control plane (the side that opens streams). Bodies flow under per-stream credit, as in
// HTTP/2: each side may have at most INGRESS_WINDOW bytes of DATA outstanding per stream, and the
// receiver returns CREDIT as it hands bytes on, so a slow client or pod holds memory on neither
// side beyond one window per stream.
//
// A stream: OPEN (head of the request, JSON) -> DATA* END from the control plane; HEAD (status and
// headers, JSON) -> DATA* END from the agent. The common small exchange costs one message each way:
// an OPEN marked `end` has no body (no DATA or END follow), and a HEAD may carry the first bytes of
// the body and be marked `end` itself (the whole response in one message). RESET from either side ends it at once (the agent
// says 502 or 504 and why). A WebSocket stream (OPEN with upgrade) gets HEAD 101 and then carries
// MESSAGE frames both ways (first payload byte 1 = text, 0 = binary) and ends with CLOSE.
// Pure: no Node or Workers APIs, shared by the agent and the Durable Object.

export const INGRESS_WINDOW = 256 * 1024;
/** DATA payloads are cut to at most this many bytes, so streams interleave fairly. */
export const INGRESS_CHUNK = 64 * 1024;

export const FrameType = {
  OPEN: 1,
  DATA: 2,
  END: 3,
  HEAD: 4,
  RESET: 5,
  CREDIT: 6,
  MESSAGE: 7,
  CLOSE: 8,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

/** What the agent is asked to do: the request as the pod should see it. */
export interface OpenPayload {
  /** The pod's address and port (the endpoint the router chose). */
  ip: string;
  port: number;
  method: string;
  /** Path and query, as received. */
  path: string;
  headers: [string, string][];
  /** A WebSocket upgrade: the agent dials the pod as a WebSocket client. */
  upgrade?: boolean;
  /** Subprotocols the client offered (WebSocket streams). */
  protocols?: string[];
  /** Milliseconds to wait for the pod's response head before answering 504. */
  timeoutMs: number;
  /** The request has no body: no DATA or END follow. */
  end?: boolean;
}

export interface HeadPayload {
  status: number;
  headers: [string, string][];
  /** The subprotocol the pod chose (WebSocket streams). */
  protocol?: string;
  /** The body ends with the bytes this HEAD carries: no DATA or END follow. */
  end?: boolean;
}

export interface ResetPayload {
  /** The HTTP status the client gets when nothing was sent yet: 502 (pod failed) or 504 (timeout). */
  status: number;
  message: string;
}

export interface ClosePayload {
  code: number;
  reason: string;
}

export type IngressFrame =
  | { type: typeof FrameType.OPEN; stream: number; open: OpenPayload }
  | { type: typeof FrameType.DATA; stream: number; data: Uint8Array }
  | { type: typeof FrameType.END; stream: number }
  /** `data`: the body's first bytes (spent from the window like DATA). */
  | { type: typeof FrameType.HEAD; stream: number; head: HeadPayload; data?: Uint8Array }
  | { type: typeof FrameType.RESET; stream: number; reset: ResetPayload }
  | { type: typeof FrameType.CREDIT; stream: number; bytes: number }
  | { type: typeof FrameType.MESSAGE; stream: number; text: boolean; data: Uint8Array }
  | { type: typeof FrameType.CLOSE; stream: number; close: ClosePayload };

const HEADER = 5;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function frame(type: FrameType, stream: number, payload: Uint8Array, prefix?: number): Uint8Array {
  const extra = prefix === undefined ? 0 : 1;
  const out = new Uint8Array(HEADER + extra + payload.byteLength);
  out[0] = type;
  new DataView(out.buffer).setUint32(1, stream >>> 0);
  if (prefix !== undefined) out[HEADER] = prefix;
  out.set(payload, HEADER + extra);
  return out;
}

const json = (value: unknown): Uint8Array => encoder.encode(JSON.stringify(value));

export function encodeFrame(f: IngressFrame): Uint8Array {
  switch (f.type) {
    case FrameType.OPEN:
      return frame(f.type, f.stream, json(f.open));
    case FrameType.HEAD: {
      // [u32 length of the JSON][JSON][body bytes]
      const head = json(f.head);
      const body = f.data ?? new Uint8Array(0);
      const payload = new Uint8Array(4 + head.byteLength + body.byteLength);
      new DataView(payload.buffer).setUint32(0, head.byteLength);
      payload.set(head, 4);
      payload.set(body, 4 + head.byteLength);
      return frame(f.type, f.stream, payload);
    }
    case FrameType.RESET:
      return frame(f.type, f.stream, json(f.reset));
    case FrameType.CLOSE:
      return frame(f.type, f.stream, json(f.close));
    case FrameType.DATA:
      return frame(f.type, f.stream, f.data);
    case FrameType.END:
      return frame(f.type, f.stream, new Uint8Array(0));
    case FrameType.CREDIT: {
      const n = new Uint8Array(4);
      new DataView(n.buffer).setUint32(0, f.bytes >>> 0);
      return frame(f.type, f.stream, n);
    }
    case FrameType.MESSAGE:
      return frame(f.type, f.stream, f.data, f.text ? 1 : 0);
  }
}

function parseJson<T>(bytes: Uint8Array, check: (v: Record<string, unknown>) => boolean): T | undefined {
  try {
    const v = JSON.parse(decoder.decode(bytes)) as unknown;
    return v !== null && typeof v === "object" && check(v as Record<string, unknown>) ? (v as T) : undefined;
  } catch {
    return undefined;
  }
}

const isHeaders = (h: unknown): boolean =>
  Array.isArray(h) &&
  h.every((p) => Array.isArray(p) && p.length === 2 && typeof p[0] === "string" && typeof p[1] === "string");

/** Decodes one link message; undefined for anything malformed (the receiver drops the stream). */
export function decodeFrame(message: Uint8Array): IngressFrame | undefined {
  if (message.byteLength < HEADER) return undefined;
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  const type = message[0];
  const stream = view.getUint32(1);
  const payload = message.subarray(HEADER);
  switch (type) {
    case FrameType.OPEN: {
      const open = parseJson<OpenPayload>(
        payload,
        (v) =>
          typeof v.ip === "string" &&
          typeof v.port === "number" &&
          typeof v.method === "string" &&
          typeof v.path === "string" &&
          typeof v.timeoutMs === "number" &&
          isHeaders(v.headers),
      );
      return open && { type, stream, open };
    }
    case FrameType.HEAD: {
      if (payload.byteLength < 4) return undefined;
      const length = new DataView(payload.buffer, payload.byteOffset, 4).getUint32(0);
      if (4 + length > payload.byteLength) return undefined;
      const head = parseJson<HeadPayload>(
        payload.subarray(4, 4 + length),
        (v) => typeof v.status === "number" && isHeaders(v.headers),
      );
      const data = payload.subarray(4 + length);
      return head && { type, stream, head, ...(data.byteLength > 0 ? { data } : {}) };
    }
    case FrameType.RESET: {
      const reset = parseJson<ResetPayload>(
        payload,
        (v) => typeof v.status === "number" && typeof v.message === "string",
      );
      return reset && { type, stream, reset };
    }
    case FrameType.CLOSE: {
      const close = parseJson<ClosePayload>(payload, (v) => typeof v.code === "number" && typeof v.reason === "string");
      return close && { type, stream, close };
    }
    case FrameType.DATA:
      return { type, stream, data: payload };
    case FrameType.END:
      return { type, stream };
    case FrameType.CREDIT:
      return payload.byteLength === 4
        ? { type, stream, bytes: new DataView(payload.buffer, payload.byteOffset, 4).getUint32(0) }
        : undefined;
    case FrameType.MESSAGE:
      return payload.byteLength >= 1 ? { type, stream, text: payload[0] === 1, data: payload.subarray(1) } : undefined;
    default:
      return undefined;
  }
}

/**
 * Headers that describe one hop, not the message (RFC 9110 section 7.6.1): never forwarded either way.
 * WebSocket handshake headers are the agent's own to make with the pod.
 */
export const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
  "proxy-authorization",
  "proxy-authenticate",
  "sec-websocket-key",
  "sec-websocket-version",
  "sec-websocket-extensions",
  "sec-websocket-accept",
  "sec-websocket-protocol",
]);

/**
 * Credit bookkeeping for one direction of one stream: the sender spends, the receiver grants.
 * `waitForCredit` resolves when at least one byte may be sent (or the stream ended).
 */
export class SendWindow {
  private available = INGRESS_WINDOW;
  private waiters: (() => void)[] = [];
  private closed = false;

  get bytes(): number {
    return this.available;
  }

  spend(n: number): void {
    this.available -= n;
  }

  grant(n: number): void {
    this.available += n;
    this.wake();
  }

  close(): void {
    this.closed = true;
    this.wake();
  }

  waitForCredit(): Promise<void> {
    if (this.available > 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
