// A small gRPC client for containerd's CRI plugin: unary calls by method path, messages encoded
// and decoded with protobufjs from the project's own CRI subset (cri-proto.ts). Responses come
// back as plain objects (enums as names, 64-bit numbers as numbers, defaults filled), typed by the
// interfaces in cri-types.ts for the fields the adapter reads.
import { credentials, type Client as GrpcClient, Metadata, makeGenericClientConstructor, status } from "@grpc/grpc-js";
import protobuf from "protobufjs";
import { CRI_PROTO } from "./cri-proto.ts";

let root: protobuf.Root | undefined;
function types(): protobuf.Root {
  if (root === undefined) {
    root = protobuf.parse(CRI_PROTO, { keepCase: true }).root;
    root.resolveAll();
  }
  return root;
}

/** A gRPC failure with its status code and containerd's message. */
export class CriCallError extends Error {
  readonly code: number;
  readonly details: string;
  constructor(method: string, code: number, details: string) {
    super(`${method}: ${details}`);
    this.name = "CriCallError";
    this.code = code;
    this.details = details;
  }
  get notFound(): boolean {
    return this.code === status.NOT_FOUND;
  }
}

// 64-bit integers as decimal strings: nanosecond timestamps exceed a double's exact range.
const TO_OBJECT: protobuf.IConversionOptions = {
  longs: String,
  enums: String,
  defaults: true,
  arrays: true,
  objects: true,
};

export class CriClient {
  private readonly socket: string;
  private channel: GrpcClient | undefined;

  /** `socket`: containerd's unix socket path. Connects on first use (again after close()). */
  constructor(socket: string) {
    this.socket = socket;
  }

  private get client(): GrpcClient {
    if (this.channel === undefined) {
      const Generic = makeGenericClientConstructor({}, "cri");
      this.channel = new Generic(`unix://${this.socket}`, credentials.createInsecure(), {
        "grpc.default_authority": "localhost",
        // Exec output and long lists can be large.
        "grpc.max_receive_message_length": 16 << 20,
      });
    }
    return this.channel;
  }

  /**
   * Calls `service`.`method` (e.g. "RuntimeService", "Version") with `request`; rejects with a
   * CriCallError. `timeoutMs` bounds the call (pulls and stops take long: callers pass theirs).
   */
  call<Res>(
    service: "RuntimeService" | "ImageService",
    method: string,
    request: object,
    timeoutMs = 30_000,
  ): Promise<Res> {
    const requestType = types().lookupType(`runtime.v1.${method}Request`);
    const responseType = types().lookupType(`runtime.v1.${method}Response`);
    const path = `/runtime.v1.${service}/${method}`;
    const encode = (value: object) => Buffer.from(requestType.encode(requestType.fromObject(value)).finish());
    const decode = (bytes: Buffer) => responseType.toObject(responseType.decode(bytes), TO_OBJECT) as Res;
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        path,
        encode,
        decode,
        request,
        new Metadata(),
        { deadline: Date.now() + timeoutMs },
        (error, response) => {
          if (error) reject(new CriCallError(method, error.code ?? status.UNKNOWN, error.details || error.message));
          else if (response === undefined) reject(new CriCallError(method, status.INTERNAL, "empty response"));
          else resolve(response);
        },
      );
    });
  }

  close(): void {
    this.channel?.close();
    this.channel = undefined;
  }
}
