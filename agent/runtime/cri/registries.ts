// Registry mirrors and plain-http registries per node, configured as k3s's registries.yaml does
// (mirrors.<registry>.endpoint, configs.<host>.tls.insecure_skip_verify), written as containerd's
// hosts.toml files (one directory per registry under `config_path`), so `myapp:1.2.0`, which
// means docker.io/library/myapp:1.2.0, can come from a mirror on the LAN.
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "yaml";
import { z } from "zod";

export const RegistriesConfig = z.object({
  mirrors: z.record(z.string(), z.object({ endpoint: z.array(z.url()).min(1) })).default({}),
  configs: z
    .record(z.string(), z.object({ tls: z.object({ insecure_skip_verify: z.boolean().default(false) }).optional() }))
    .default({}),
});
export type RegistriesConfig = z.infer<typeof RegistriesConfig>;

/** Parses registries.yaml; throws with the field at fault. */
export function parseRegistries(text: string, source: string): RegistriesConfig {
  const parsed = RegistriesConfig.safeParse(parse(text) ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${source}: ${issue?.path.join(".") ?? ""}: ${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
}

/** Where a registry name's own API lives when no mirror answers. */
function upstreamServer(registry: string): string {
  if (registry === "docker.io") return "https://registry-1.docker.io";
  return `https://${registry}`;
}

/** hosts.toml per registry name: the mirrors in order, then the registry itself. */
export function hostsFiles(config: RegistriesConfig): Map<string, string> {
  const files = new Map<string, string>();
  const skipVerify = (endpoint: string) => {
    const host = new URL(endpoint).host;
    return config.configs[host]?.tls?.insecure_skip_verify === true;
  };
  const hostBlock = (endpoint: string) => [
    `[host.${JSON.stringify(endpoint)}]`,
    '  capabilities = ["pull", "resolve"]',
    ...(skipVerify(endpoint) ? ["  skip_verify = true"] : []),
  ];
  for (const [registry, mirror] of Object.entries(config.mirrors)) {
    files.set(
      registry,
      [`server = ${JSON.stringify(upstreamServer(registry))}`, ...mirror.endpoint.flatMap(hostBlock), ""].join("\n"),
    );
  }
  // A registry with only a TLS setting: its own host, verified or not.
  for (const [host, settings] of Object.entries(config.configs)) {
    if (files.has(host) || settings.tls === undefined) continue;
    const server = `https://${host}`;
    files.set(host, [`server = ${JSON.stringify(server)}`, ...hostBlock(server), ""].join("\n"));
  }
  return files;
}

/** Rewrites containerd's config_path directory from `config` (what is not configured is removed). */
export async function writeHostsFiles(dir: string, config: RegistriesConfig): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  for (const [registry, toml] of hostsFiles(config)) {
    await mkdir(join(dir, registry), { recursive: true });
    await writeFile(join(dir, registry, "hosts.toml"), toml);
  }
}
