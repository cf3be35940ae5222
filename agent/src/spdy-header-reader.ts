// Reads the header blocks of a SPDY/3 peer (kubectl's SYN_STREAMs): one zlib stream primed with
// the SPDY/3 dictionary for the whole session, each block ending with a sync flush, so each one
// inflates on its own once the earlier ones have been read. Node's zlib is asynchronous: blocks are
// read in order, one at a time (the caller awaits each before the next).

import { constants, createInflate, type Inflate } from "node:zlib";
import { SPDY3_DICTIONARY } from "./spdy-dictionary.ts";

/** Header name (lowercase) to its values (SPDY joins repeated values with NUL). */
export type SpdyHeaders = Map<string, string[]>;

export class SpdyHeaderReader {
  private readonly inflate: Inflate = createInflate({ dictionary: SPDY3_DICTIONARY });
  private readonly out: Buffer[] = [];
  private failure: Error | undefined;

  constructor() {
    this.inflate.on("data", (chunk: Buffer) => this.out.push(chunk));
    this.inflate.on("error", (err: Error) => {
      this.failure = err;
    });
  }

  /** Inflates and parses one header block. */
  read(block: Buffer): Promise<SpdyHeaders> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      this.inflate.write(block);
      this.inflate.flush(constants.Z_SYNC_FLUSH, () => {
        // Output pushed while flushing is delivered by then, or on the next tick at the latest.
        setImmediate(() => {
          if (this.failure) return reject(this.failure);
          try {
            resolve(parseHeaderBlock(Buffer.concat(this.out.splice(0))));
          } catch (err) {
            reject(err);
          }
        });
      });
    });
  }

  close(): void {
    this.inflate.close();
  }
}

/** Parses an inflated SPDY/3 name/value block: count, then (length, name, length, value) pairs. */
export function parseHeaderBlock(raw: Buffer): SpdyHeaders {
  const headers: SpdyHeaders = new Map();
  if (raw.length === 0) return headers;
  let at = 0;
  const take = (): Buffer => {
    if (at + 4 > raw.length) throw new Error("truncated SPDY header block");
    const length = raw.readUInt32BE(at);
    at += 4;
    if (at + length > raw.length) throw new Error("truncated SPDY header block");
    const bytes = raw.subarray(at, at + length);
    at += length;
    return bytes;
  };
  if (raw.length < 4) throw new Error("truncated SPDY header block");
  const count = raw.readUInt32BE(0);
  at = 4;
  for (let i = 0; i < count; i++) {
    const name = take().toString("utf8").toLowerCase();
    const values = take().toString("utf8").split("\0");
    headers.set(name, [...(headers.get(name) ?? []), ...values]);
  }
  return headers;
}
