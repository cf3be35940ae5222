// The SPDY/3.1 framing the exec client speaks to containerd: frames reassembled from any chunking,
// header blocks that an inflater (as Go's in containerd) reads block by block, frame layouts.

import { inflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  dataFrame,
  FLAG_FIN,
  HeaderBlockWriter,
  pingFrame,
  SpdyFrameReader,
  SYN_STREAM,
  synStreamFrame,
} from "./spdy-frames.ts";

describe("SPDY/3.1 frames", () => {
  it("reassembles frames from chunks cut anywhere", () => {
    const bytes = Buffer.concat([
      dataFrame(5, Buffer.from("hello")),
      pingFrame(Buffer.from([0, 0, 0, 2])),
      dataFrame(1, new Uint8Array(0), true),
    ]);
    for (const size of [1, 2, 3, 7, 100]) {
      const reader = new SpdyFrameReader();
      const frames = [];
      for (let at = 0; at < bytes.length; at += size) frames.push(...reader.push(bytes.subarray(at, at + size)));
      expect(frames).toEqual([
        { kind: "data", streamId: 5, fin: false, data: Buffer.from("hello") },
        { kind: "control", type: 6, flags: 0, payload: Buffer.from([0, 0, 0, 2]) },
        { kind: "data", streamId: 1, fin: true, data: Buffer.alloc(0) },
      ]);
    }
  });

  it("writes header blocks as one zlib stream naming the SPDY dictionary, flushed per block", () => {
    const writer = new HeaderBlockWriter();
    const first = writer.block({ streamtype: "error" });
    const second = writer.block({ streamType: "stdin" });
    // zlib header with FDICT and the dictionary's Adler-32, on the first block only.
    expect([...first.subarray(0, 6)]).toEqual([0x78, 0xbb, 0xe3, 0xc6, 0xa7, 0xc2]);
    expect(((first[0]! << 8) | first[1]!) % 31).toBe(0);
    // Each block ends with an empty stored block (sync flush) and inflates on its own.
    for (const block of [first.subarray(6), second]) expect([...block.subarray(-5)]).toEqual([0, 0, 0, 0xff, 0xff]);
    const raw = inflateRawSync(Buffer.concat([first.subarray(6), second]), { finishFlush: 2 });
    const pairs = (count: number, entries: string[]) =>
      Buffer.concat([
        Buffer.from([0, 0, 0, count]),
        ...entries.map((e) => Buffer.concat([Buffer.from([0, 0, 0, e.length]), Buffer.from(e)])),
      ]);
    expect(raw).toEqual(Buffer.concat([pairs(1, ["streamtype", "error"]), pairs(1, ["streamtype", "stdin"])]));
  });

  it("frames a SYN_STREAM and a DATA frame with FIN", () => {
    const syn = synStreamFrame(3, Buffer.from([1, 2]));
    expect([...syn.subarray(0, 8)]).toEqual([0x80, 3, 0, SYN_STREAM, 0, 0, 0, 12]);
    expect(syn.readUInt32BE(8)).toBe(3);
    const fin = dataFrame(3, new Uint8Array(0), true);
    expect([...fin]).toEqual([0, 0, 0, 3, FLAG_FIN, 0, 0, 0]);
  });
});
