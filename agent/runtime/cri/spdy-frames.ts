// SPDY/3.1 framing, the subset a client of containerd's streaming server needs (kubectl exec and
// attach reach a container through it, as kubelet's clients do): frames read from a byte stream
// whose chunks have arbitrary boundaries, SYN_STREAM / DATA / RST_STREAM / PING written. SYN_REPLY
// too, for the server side of kubectl port-forward (agent/src/port-forward-session.ts).
//
// Header blocks: SPDY compresses them with zlib and a preset dictionary, one zlib stream per
// direction for the whole connection. We never compress: each block we send is a stored deflate
// block followed by an empty sync-flush block, so the peer's inflater hands every block out at its
// frame's end; only the first carries the zlib header naming the dictionary by its Adler-32 (the
// peer checks it). We never read the peer's header blocks (a SYN_REPLY's stream id is enough), so
// the dictionary itself is not needed.

/** Control frame types (SPDY/3). */
export const SYN_STREAM = 1;
export const SYN_REPLY = 2;
export const RST_STREAM = 3;
export const PING = 6;
export const GOAWAY = 7;

export const FLAG_FIN = 0x01;
/** RST_STREAM status: the sender cancels the stream. */
export const RST_CANCEL = 5;

/** Adler-32 of the SPDY/3 header dictionary (1,423 bytes), the DICTID of the zlib header. */
const SPDY3_DICTIONARY_ADLER32 = 0xe3c6a7c2;
/** A zlib header with FDICT set (0x78 0xBB is a multiple of 31) and the dictionary's id. */
const ZLIB_HEADER_WITH_DICTIONARY = Buffer.from([
  0x78,
  0xbb,
  (SPDY3_DICTIONARY_ADLER32 >>> 24) & 0xff,
  (SPDY3_DICTIONARY_ADLER32 >>> 16) & 0xff,
  (SPDY3_DICTIONARY_ADLER32 >>> 8) & 0xff,
  SPDY3_DICTIONARY_ADLER32 & 0xff,
]);
const SYNC_FLUSH = Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]);
const MAX_STORED_BLOCK = 0xffff;

export type SpdyFrame =
  | { kind: "data"; streamId: number; fin: boolean; data: Buffer }
  | { kind: "control"; type: number; flags: number; payload: Buffer };

/** Reassembles frames from a byte stream. */
export class SpdyFrameReader {
  private buffered: Buffer = Buffer.alloc(0);

  /** Adds bytes; returns every frame they complete. */
  push(chunk: Buffer): SpdyFrame[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const frames: SpdyFrame[] = [];
    while (this.buffered.length >= 8) {
      const length = this.buffered.readUIntBE(5, 3);
      if (this.buffered.length < 8 + length) break;
      const first = this.buffered.readUInt32BE(0);
      const flags = this.buffered[4] ?? 0;
      const payload = this.buffered.subarray(8, 8 + length);
      if (first & 0x80000000) frames.push({ kind: "control", type: first & 0xffff, flags, payload });
      else frames.push({ kind: "data", streamId: first & 0x7fffffff, fin: (flags & FLAG_FIN) !== 0, data: payload });
      this.buffered = this.buffered.subarray(8 + length);
    }
    return frames;
  }
}

function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt16BE(0x8000 | 3, 0);
  header.writeUInt16BE(type, 2);
  header[4] = flags;
  header.writeUIntBE(payload.length, 5, 3);
  return Buffer.concat([header, payload]);
}

/** Writes header blocks as one uncompressed zlib stream (see the header comment). */
export class HeaderBlockWriter {
  private started = false;

  block(headers: Record<string, string>): Buffer {
    const parts: Buffer[] = [];
    const count = Buffer.alloc(4);
    count.writeUInt32BE(Object.keys(headers).length);
    parts.push(count);
    for (const [name, value] of Object.entries(headers)) {
      for (const text of [name.toLowerCase(), value]) {
        const bytes = Buffer.from(text, "utf8");
        const length = Buffer.alloc(4);
        length.writeUInt32BE(bytes.length);
        parts.push(length, bytes);
      }
    }
    const raw = Buffer.concat(parts);
    const out: Buffer[] = [];
    if (!this.started) out.push(ZLIB_HEADER_WITH_DICTIONARY);
    this.started = true;
    for (let at = 0; at < raw.length; at += MAX_STORED_BLOCK) {
      const piece = raw.subarray(at, at + MAX_STORED_BLOCK);
      const head = Buffer.alloc(5);
      head[0] = 0x00; // BFINAL 0, BTYPE 00 (stored)
      head.writeUInt16LE(piece.length, 1);
      head.writeUInt16LE(~piece.length & 0xffff, 3);
      out.push(head, piece);
    }
    out.push(SYNC_FLUSH);
    return Buffer.concat(out);
  }
}

export function synStreamFrame(streamId: number, headerBlock: Buffer, flags = 0): Buffer {
  const payload = Buffer.alloc(10);
  payload.writeUInt32BE(streamId & 0x7fffffff, 0);
  payload.writeUInt32BE(0, 4); // associated stream
  payload[8] = 0; // priority 0, highest
  payload[9] = 0; // credential slot
  return controlFrame(SYN_STREAM, flags, Buffer.concat([payload, headerBlock]));
}

/** The answer to a peer's SYN_STREAM (the server side: kubectl port-forward's streams). */
export function synReplyFrame(streamId: number, headerBlock: Buffer, flags = 0): Buffer {
  const id = Buffer.alloc(4);
  id.writeUInt32BE(streamId & 0x7fffffff, 0);
  return controlFrame(SYN_REPLY, flags, Buffer.concat([id, headerBlock]));
}

export function dataFrame(streamId: number, data: Uint8Array, fin = false): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(streamId & 0x7fffffff, 0);
  header[4] = fin ? FLAG_FIN : 0;
  header.writeUIntBE(data.length, 5, 3);
  return Buffer.concat([header, data]);
}

export function rstStreamFrame(streamId: number, status: number): Buffer {
  const payload = Buffer.alloc(8);
  payload.writeUInt32BE(streamId & 0x7fffffff, 0);
  payload.writeUInt32BE(status, 4);
  return controlFrame(RST_STREAM, 0, payload);
}

/** A PING answered with the same id. */
export function pingFrame(payload: Buffer): Buffer {
  return controlFrame(PING, 0, payload);
}

/** The stream id a SYN_REPLY or RST_STREAM is about. */
export function controlStreamId(payload: Buffer): number {
  return payload.length >= 4 ? payload.readUInt32BE(0) & 0x7fffffff : 0;
}
