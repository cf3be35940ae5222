// Load for bench:net, run inside a network namespace (a node's or a pod's) or the machine's own, with
// plain Node 20:
//   node net-load.mjs http <url> max <seconds> <concurrency> [host]     most requests/s (closed loop)
//   node net-load.mjs http <url> rate <seconds> <per-second> [host]     latency at a fixed offered rate
//   node net-load.mjs dns <server> <name> max|rate <seconds> <n>        the same for DNS A lookups (UDP)
// Every HTTP request opens its own connection (no keep-alive), so each one crosses the service
// proxy's DNAT, as a new client would. [host] is sent as the Host header (an Ingress routes by it).
// Prints one JSON line: {done, errors, seconds, latencies, statuses} (statuses: how many of each
// HTTP status, "error" for no answer).

import { createSocket } from "node:dgram";
import http from "node:http";
import * as dns from "dns-packet";

const [kind, ...args] = process.argv.slice(2);
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });

const statuses = {};
function count(status) {
  statuses[status] = (statuses[status] ?? 0) + 1;
}

function httpOnce(url, host) {
  return new Promise((resolve) => {
    const headers = host ? { host } : {};
    const req = http.get(url, { agent, timeout: 5000, headers }, (res) => {
      res.resume();
      res.on("end", () => {
        count(res.statusCode);
        resolve(res.statusCode === 200);
      });
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => {
      count("error");
      resolve(false);
    });
  });
}

let dnsSocket;
const pending = new Map();
let nextId = 1;
function dnsOnce(server, name) {
  if (!dnsSocket) {
    dnsSocket = createSocket("udp4");
    dnsSocket.on("message", (msg) => {
      const id = msg.readUInt16BE(0);
      const done = pending.get(id);
      if (done) {
        pending.delete(id);
        done(dns.decode(msg).answers?.length > 0);
      }
    });
  }
  return new Promise((resolve) => {
    nextId = (nextId % 65535) + 1;
    const id = nextId;
    const timer = setTimeout(() => {
      pending.delete(id);
      resolve(false);
    }, 2000);
    pending.set(id, (ok) => {
      clearTimeout(timer);
      resolve(ok);
    });
    dnsSocket.send(
      dns.encode({ type: "query", id, flags: dns.RECURSION_DESIRED, questions: [{ type: "A", name }] }),
      53,
      server,
    );
  });
}

const once = kind === "http" ? () => httpOnce(args[0], args[4]) : () => dnsOnce(args[0], args[1]);
const [mode, secondsText, nText] = kind === "http" ? args.slice(1) : args.slice(2);
const seconds = Number(secondsText);
const n = Number(nText);
const latencies = [];
let done = 0;
let errors = 0;
const start = performance.now();
const end = start + seconds * 1000;

async function timed() {
  const t = performance.now();
  const ok = await once();
  latencies.push(performance.now() - t);
  if (ok) done++;
  else errors++;
}

if (mode === "max") {
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (performance.now() < end) await timed();
    }),
  );
} else {
  // Open loop: requests go out on schedule whether or not earlier ones have answered.
  const inFlight = [];
  for (let i = 0; ; i++) {
    const at = start + (i * 1000) / n;
    if (at >= end) break;
    const wait = at - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    inFlight.push(timed());
  }
  await Promise.all(inFlight);
}
dnsSocket?.close();
process.stdout.write(
  `${JSON.stringify({ done, errors, seconds: (performance.now() - start) / 1000, latencies, statuses })}\n`,
);
