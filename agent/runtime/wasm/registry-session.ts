// One conversation with an OCI registry (Docker Registry HTTP API v2) about one repository:
// https unless the registry is on loopback or configured as plain http, and the auth dance the
// registry asks for: a 401 with `WWW-Authenticate: Bearer realm=...,service=...,scope=...` gets a
// token from the realm (with the pull secret's credentials, when there are some), `Basic` gets the
// credentials themselves. Tokens are kept for the session (one pull or push).
import { isLoopbackRegistry, registryApiHost } from "../image-reference.ts";
import { type ImageAuth, RuntimeError } from "../types.ts";

export interface RegistryOptions {
  /** Registries (host[:port]) spoken to over plain http besides loopback ones, like containerd's hosts.toml. */
  plainHttpRegistries?: readonly string[];
  /** Per-request timeout in ms (default 30 s). */
  timeoutMs?: number;
  /** fetch to use (tests). */
  fetch?: typeof fetch;
}

interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

export class RegistrySession {
  private authorization: string | undefined;
  private readonly base: string;
  private readonly doFetch: typeof fetch;
  private readonly registry: string;
  private readonly repository: string;
  private readonly auth: ImageAuth | undefined;
  /** "pull", or "pull,push" for uploads. */
  private readonly actions: string;
  private readonly options: RegistryOptions;

  constructor(
    registry: string,
    repository: string,
    auth: ImageAuth | undefined,
    actions: string,
    options: RegistryOptions = {},
  ) {
    this.registry = registry;
    this.repository = repository;
    this.auth = auth;
    this.actions = actions;
    this.options = options;
    const plain = isLoopbackRegistry(registry) || (options.plainHttpRegistries ?? []).includes(registry);
    this.base = `${plain ? "http" : "https"}://${registryApiHost(registry)}/v2/${repository}/`;
    this.doFetch = options.fetch ?? fetch;
  }

  /** An absolute URL for a path under /v2/<repository>/ (or an absolute Location a registry returned). */
  url(path: string): string {
    return new URL(path, this.base).href;
  }

  /** Sends a request, answering one authentication challenge if the registry makes one. */
  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const first = await this.send(this.url(path), init);
    if (first.status !== 401) return first;
    const header = first.headers.get("www-authenticate");
    await first.body?.cancel();
    if (header === null) return first;
    await this.answer(parseChallenge(header));
    return this.send(this.url(path), init);
  }

  private async send(url: string, init: RequestInit): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.authorization !== undefined) headers.set("authorization", this.authorization);
    try {
      return await this.doFetch(url, {
        ...init,
        headers,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
    } catch (error) {
      throw new RuntimeError("ErrImagePull", `cannot reach registry ${this.registry}: ${describeFetchError(error)}`);
    }
  }

  private async answer(challenge: Challenge): Promise<void> {
    const credentials = basicCredentials(this.auth);
    if (challenge.scheme === "basic") {
      if (credentials === undefined) throw unauthorized(this.registry, "it asks for credentials and none were given");
      this.authorization = `Basic ${credentials}`;
      return;
    }
    if (challenge.scheme !== "bearer" || challenge.params.realm === undefined) {
      throw unauthorized(this.registry, `unsupported authentication challenge "${challenge.scheme}"`);
    }
    const realm = new URL(challenge.params.realm);
    const secure = realm.protocol === "https:" || isLoopbackRegistry(realm.host);
    if (!secure && credentials !== undefined) {
      throw unauthorized(this.registry, `its token service ${realm.origin} is plain http: credentials not sent`);
    }
    if (challenge.params.service !== undefined) realm.searchParams.set("service", challenge.params.service);
    realm.searchParams.set("scope", `repository:${this.repository}:${this.actions}`);
    const headers = new Headers();
    if (credentials !== undefined) headers.set("authorization", `Basic ${credentials}`);
    let response: Response;
    try {
      response = await this.doFetch(realm, { headers, signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000) });
    } catch (error) {
      throw new RuntimeError(
        "ErrImagePull",
        `cannot reach the token service of ${this.registry}: ${describeFetchError(error)}`,
      );
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw unauthorized(this.registry, `its token service answered ${response.status}`);
    }
    const body = (await response.json()) as { token?: unknown; access_token?: unknown };
    const token = typeof body.token === "string" ? body.token : body.access_token;
    if (typeof token !== "string" || token.length === 0) throw unauthorized(this.registry, "no token in its answer");
    this.authorization = `Bearer ${token}`;
  }
}

/** Parses `Bearer realm="...",service="...",scope="..."` (quoted or bare values). */
export function parseChallenge(header: string): Challenge {
  const space = header.indexOf(" ");
  const scheme = (space === -1 ? header : header.slice(0, space)).toLowerCase();
  const params: Record<string, string> = {};
  const pairs = /([a-zA-Z_]+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g;
  for (const match of (space === -1 ? "" : header.slice(space + 1)).matchAll(pairs)) {
    const key = match[1]?.toLowerCase();
    if (key !== undefined) params[key] = (match[2] ?? match[3] ?? "").replace(/\\(.)/g, "$1");
  }
  return { scheme, params };
}

/** base64("user:password") from an ImageAuth, if it holds credentials. */
export function basicCredentials(auth: ImageAuth | undefined): string | undefined {
  if (auth === undefined) return undefined;
  if (auth.username !== undefined && auth.username.length > 0) {
    return Buffer.from(`${auth.username}:${auth.password ?? ""}`).toString("base64");
  }
  if (auth.auth !== undefined && auth.auth.length > 0) return auth.auth;
  return undefined;
}

function unauthorized(registry: string, why: string): RuntimeError {
  return new RuntimeError("ErrImagePull", `registry ${registry} refused access: ${why}`);
}

function describeFetchError(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause;
    if (cause instanceof Error) return "code" in cause ? `${String(cause.code)} (${cause.message})` : cause.message;
    return error.name === "TimeoutError" ? "timed out" : error.message;
  }
  return String(error);
}
