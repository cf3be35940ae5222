// `npx kflare ...`: the commands for a control plane deployed with `wrangler deploy`, where nothing
// runs locally to write a kubeconfig. Separate from the bin entry so tests can call run() directly.
import { X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { hashAdminToken, newAdminToken } from "./admin-token.ts";
import { ClusterUsageError, clusterCommand } from "./cluster-command.ts";
import { renderKubeconfig } from "./kubeconfig.ts";
import { ADMIN_TOKEN_HASH_VAR } from "./local-admin.ts";
import { writeFileAtomic } from "./secure-fs.ts";
import { TokenUsageError, tokenCommand } from "./token-command.ts";

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** Bad flags or input the user can fix: exit code 2, with the fix in the message. */
export class UsageError extends Error {}

export const USAGE = `Usage: npx kflare <command> [options]

Commands:
  admin-token [--out <file>]
      Make a new random admin token and show how to install its hash on a deployed control plane.
      With --out the token goes to <file> (mode 0600) instead of the terminal.
  kubeconfig --server <https-url> (--token-file <file> | --token <token>) [options]
      Write a kubeconfig for a deployed control plane.
      --ca-file <pem>    pin this CA (default: none, the server has a publicly trusted certificate)
      --cluster <name>   cluster, context and user prefix (default: kflare)
      --namespace <ns>   the context's namespace (default: default)
      --out <path>       where to write it (default: ./<cluster>.kubeconfig; "-" for stdout)
  token create [--ttl 24h] [--kubeconfig <path>] [--description <text>]
      Make a join token for a node and print the join command (uses $KUBECONFIG or .kflare/kubeconfig).
  cluster create|delete <name> | cluster list [--kubeconfig <path>] [--out <path>]
      Clusters of one deployment (the deployment admin's kubeconfig); create writes <name>.kubeconfig.

The local control plane (npm start) writes its own kubeconfig to .kflare/kubeconfig.`;

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export async function run(argv: readonly string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "kubeconfig":
        return await kubeconfigCommand(rest, io);
      case "admin-token":
        return await adminTokenCommand(rest, io);
      case "token":
        return await tokenCommand(rest, io.out);
      case "cluster":
        return await clusterCommand(rest, io.out);
      case undefined:
        io.err(USAGE);
        return 2;
      case "help":
      case "-h":
      case "--help":
        io.out(USAGE);
        return 0;
      default:
        throw new UsageError(
          `unknown command "${command}"; the commands are kubeconfig, admin-token, token and cluster`,
        );
    }
  } catch (err) {
    if (err instanceof TokenUsageError || err instanceof ClusterUsageError) {
      io.err(`kflare ${command}: ${err.message}`);
      return 2;
    }
    if (!(err instanceof UsageError)) {
      // What went wrong outside the user's flags (the server refused, is unreachable...): said plainly.
      io.err(
        `kflare${command === undefined ? "" : ` ${command}`}: ${err instanceof Error ? err.message : String(err)}`,
      );
      return 1;
    }
    io.err(`kflare${command === undefined ? "" : ` ${command}`}: ${err.message}\nRun \`npx kflare --help\` for usage.`);
    return 2;
  }
}

function flags<const T extends Record<string, { type: "string" | "boolean" }>>(argv: readonly string[], options: T) {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

async function kubeconfigCommand(argv: readonly string[], io: Io): Promise<number> {
  const v = flags(argv, {
    server: { type: "string" },
    token: { type: "string" },
    "token-file": { type: "string" },
    "ca-file": { type: "string" },
    cluster: { type: "string" },
    namespace: { type: "string" },
    out: { type: "string" },
  });
  if (v.server === undefined) {
    throw new UsageError("--server is required, e.g. --server https://kflare.<your-subdomain>.workers.dev");
  }
  const server = parseServer(v.server);
  const cluster = v.cluster ?? "kflare";
  if (!NAME.test(cluster)) throw new UsageError(`--cluster "${cluster}" must be lowercase letters, digits, "-" or "."`);
  const namespace = v.namespace ?? "default";
  if (!NAME.test(namespace)) throw new UsageError(`--namespace "${namespace}" is not a valid namespace name`);
  const token = await tokenFrom(v.token, v["token-file"]);
  const caPem = v["ca-file"] === undefined ? undefined : await readCa(v["ca-file"]);

  const text = renderKubeconfig({ cluster, server, token, namespace, ...(caPem === undefined ? {} : { caPem }) });
  if (v.out === "-") {
    io.out(text.trimEnd());
    return 0;
  }
  const out = resolve(v.out ?? `${cluster}.kubeconfig`);
  await writeFileAtomic(out, text, 0o600);
  io.out(`Wrote ${out} (mode 0600: it holds the admin token).\nNext:\n  export KUBECONFIG=${out}\n  kubectl get nodes`);
  return 0;
}

async function adminTokenCommand(argv: readonly string[], io: Io): Promise<number> {
  const v = flags(argv, { out: { type: "string" } });
  const token = newAdminToken();
  const hash = hashAdminToken(token);
  const out = v.out === undefined ? undefined : resolve(v.out);
  if (out !== undefined) await writeFileAtomic(out, `${token}\n`, 0o600);
  const tokenRef = out ?? "<file>";
  io.out(
    [
      out === undefined
        ? `New admin token (shown once; treat it like a password):\n  ${token}\n`
        : `Wrote a new admin token to ${out} (mode 0600).\n`,
      "1. Give the deployed Worker the token's hash (only the hash is stored server-side):",
      `     echo ${hash} | npx wrangler secret put ${ADMIN_TOKEN_HASH_VAR}`,
      "2. Write a kubeconfig that uses the token:",
      `     npx kflare kubeconfig --server https://<worker>.<subdomain>.workers.dev --token-file ${tokenRef}`,
      ...(out === undefined
        ? ["   (a file with the token above; --out on this command writes one and keeps it off the screen)"]
        : []),
      "Running this again makes a different token; the old one stops working once step 1 replaces its hash.",
    ].join("\n"),
  );
  return 0;
}

function parseServer(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(
      `--server "${value}" is not a URL; give the full address, e.g. https://kflare.example.workers.dev`,
    );
  }
  if (url.protocol !== "https:") {
    throw new UsageError(`--server must use https:// (kubectl sends no bearer token over plain http), got "${value}"`);
  }
  if (url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "") {
    throw new UsageError(`--server "${value}" must be a plain https://host[:port][/path] URL`);
  }
  return url.href.replace(/\/$/, "");
}

async function tokenFrom(token: string | undefined, tokenFile: string | undefined): Promise<string> {
  const fix = "make one with `npx kflare admin-token --out admin.token`, then pass --token-file admin.token";
  if (token !== undefined && tokenFile !== undefined)
    throw new UsageError("give either --token or --token-file, not both");
  let value = token;
  if (tokenFile !== undefined) {
    try {
      value = (await readFile(tokenFile, "utf8")).trim();
    } catch (err) {
      throw new UsageError(`cannot read --token-file ${tokenFile} (${(err as NodeJS.ErrnoException).code}); ${fix}`);
    }
  }
  if (value === undefined) throw new UsageError(`a token is required: ${fix}`);
  if (value === "" || /\s/.test(value)) throw new UsageError(`the token is empty or contains whitespace; ${fix}`);
  return value;
}

async function readCa(path: string): Promise<string> {
  let pem: string;
  try {
    pem = await readFile(path, "utf8");
  } catch (err) {
    throw new UsageError(`cannot read --ca-file ${path} (${(err as NodeJS.ErrnoException).code})`);
  }
  try {
    new X509Certificate(pem);
  } catch {
    throw new UsageError(`--ca-file ${path} is not a PEM certificate (expected -----BEGIN CERTIFICATE-----)`);
  }
  return pem;
}
