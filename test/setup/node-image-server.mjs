// The test node image's server (/app/server.mjs in kflare-test/node:1, see node-image.ts): HTTP and
// WebSocket endpoints for e2e tests of what carries traffic to pods (services, port-forward,
// ingress). Plain JavaScript: it runs under whichever Node the image was built with, with only
// the `ws` package beside it.
//   GET  /bytes/<n>  n bytes, byte i = i % 251, streamed (backpressure respected)
//   POST /count      {"bytes": <received>, "sha256": <hex of the body>}
//   GET  /headers    the request headers, as JSON
//   GET  (other)     "hello from <hostname>\n"
//   WebSocket on any path: each message echoed with its type; the first offered subprotocol chosen.
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import { hostname } from "node:os";
import { WebSocketServer } from "ws";

const PORT = Number(process.env.PORT ?? 8080);

// A multiple of 251 long, so every chunk starts at a pattern offset of 0 and one buffer serves all.
const CHUNK = Buffer.alloc(251 * 256, 0);
for (let i = 0; i < CHUNK.length; i++) CHUNK[i] = i % 251;

/** Writes `n` pattern bytes, waiting for 'drain' whenever the socket's buffer is full. */
function streamBytes(res, n) {
  let left = n;
  const pump = () => {
    while (left > 0) {
      if (res.destroyed) return;
      const chunk = left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left);
      left -= chunk.length;
      if (!res.write(chunk)) {
        res.once("drain", pump);
        return;
      }
    }
    res.end();
  };
  pump();
}

function json(res, value) {
  const body = `${JSON.stringify(value)}\n`;
  res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

const server = createServer((req, res) => {
  const path = new URL(req.url ?? "/", "http://pod").pathname;
  const bytes = /^\/bytes\/(\d+)$/.exec(path);
  const get = req.method === "GET" || req.method === "HEAD";
  if (get && bytes) {
    const n = Number(bytes[1]);
    if (!Number.isSafeInteger(n)) {
      res.writeHead(400).end("too many bytes\n");
      return;
    }
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": n });
    if (req.method === "HEAD") res.end();
    else streamBytes(res, n);
  } else if (req.method === "POST" && path === "/count") {
    const hash = createHash("sha256");
    let count = 0;
    req.on("data", (chunk) => {
      count += chunk.length;
      hash.update(chunk);
    });
    req.on("end", () => json(res, { bytes: count, sha256: hash.digest("hex") }));
  } else if (get && path === "/headers") {
    json(res, req.headers);
  } else if (get) {
    const body = `hello from ${hostname()}\n`;
    res.writeHead(200, { "content-type": "text/plain", "content-length": Buffer.byteLength(body) });
    res.end(body);
  } else {
    res.writeHead(405, { allow: "GET, HEAD, POST" }).end("method not allowed\n");
  }
});

const wss = new WebSocketServer({
  noServer: true,
  handleProtocols: (protocols) => protocols.values().next().value ?? false,
});
wss.on("connection", (ws) => {
  ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
  // A client vanishing mid-message must not take the server down.
  ws.on("error", () => ws.terminate());
});
server.on("upgrade", (req, socket, head) => {
  socket.on("error", () => socket.destroy());
  wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
});

// PID 1 in its pid namespace gets no default signal handlers: without these, stopping the pod
// would wait out its whole grace period.
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => process.exit(0));

server.listen(PORT, () => console.log(`listening on ${PORT}`));
