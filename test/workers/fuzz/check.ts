// What every answer to a fuzzed request must be: below 500, and when it refuses, a JSON
// metav1.Status whose code is the HTTP status and whose message says what was wrong. Streams
// (watches) are read a little and cancelled.

export interface Checked {
  status: number;
  /** The parsed body when it was JSON (for a stream: undefined). */
  body: unknown;
  problems: string[];
}

interface StatusLike {
  kind?: unknown;
  code?: unknown;
  message?: unknown;
  reason?: unknown;
  status?: unknown;
  details?: { causes?: { reason?: unknown }[] };
}

/**
 * 5xx answers that are contracts, not failures: a list at a resourceVersion newer than the store's
 * is 504 Timeout with a ResourceVersionTooLarge cause (upstream's; client-go's reflector looks for
 * exactly that), and the subresources that need a node agent are 503 until node sessions serve
 * them (every request upstream would refuse is refused with its 4xx first).
 */
function allowedServerError(s: StatusLike, status: number, path: string): boolean {
  if (status === 504)
    return s.reason === "Timeout" && (s.details?.causes ?? []).some((c) => c.reason === "ResourceVersionTooLarge");
  if (status === 503) return s.reason === "ServiceUnavailable" && NODE_SUBRESOURCE.test(path);
  return false;
}

const NODE_SUBRESOURCE = /\/(log|exec|attach|portforward|token)\/?(\?|$)/;

function checkStatus(value: unknown, status: number, where: string, path: string): string[] {
  const problems: string[] = [];
  if (value === null || typeof value !== "object") return [`${where}: not a JSON object`];
  const s = value as StatusLike;
  if (s.kind !== "Status") problems.push(`${where}: kind is ${JSON.stringify(s.kind)}, not "Status"`);
  if (s.code !== status) problems.push(`${where}: code ${JSON.stringify(s.code)} differs from HTTP status ${status}`);
  if (typeof s.message !== "string" || s.message.trim() === "") problems.push(`${where}: no message`);
  if (s.status !== "Failure") problems.push(`${where}: status is ${JSON.stringify(s.status)}, not "Failure"`);
  if (status >= 500 && !allowedServerError(s, status, path))
    problems.push(`${where}: server error ${status}: ${s.message}`);
  return problems;
}

async function readWithin(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  ms: number,
): Promise<{ text: string; ended: boolean }> {
  const decoder = new TextDecoder();
  const deadline = Date.now() + ms;
  let text = "";
  for (;;) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) return { text, ended: false };
    let timer: ReturnType<typeof setTimeout> | null = null;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), remaining);
    });
    const next = await Promise.race([reader.read(), timeout]);
    if (timer !== null) clearTimeout(timer);
    if (next === "timeout") return { text, ended: false };
    if (next.done) return { text: text + decoder.decode(), ended: true };
    text += decoder.decode(next.value, { stream: true });
  }
}

function isStream(res: Response): boolean {
  return res.status === 200 && res.headers.get("cache-control") === "no-cache";
}

/** Each complete line of a watch stream is an event; ERROR events carry a Status. */
function checkWatchLines(text: string, path: string): string[] {
  const problems: string[] = [];
  const lines = text.split("\n");
  lines.pop(); // the last, possibly partial line
  for (const line of lines) {
    if (!line.trim()) continue;
    try {
      const event = JSON.parse(line) as { type?: unknown; object?: { code?: unknown } };
      if (typeof event.type !== "string") problems.push(`watch event without a type: ${line.slice(0, 200)}`);
      if (event.type === "ERROR") {
        const code = event.object?.code;
        problems.push(...checkStatus(event.object, typeof code === "number" ? code : -1, "watch ERROR event", path));
      }
    } catch {
      problems.push(`watch line is not JSON: ${line.slice(0, 200)}`);
    }
  }
  return problems;
}

export async function checkResponse(res: Response, method: string, path: string): Promise<Checked> {
  const status = res.status;
  if (method === "HEAD") {
    // No body to check; a 5xx is checked again as a GET by the caller.
    await res.body?.cancel();
    return { status, body: undefined, problems: [] };
  }
  if (!res.body) return { status, body: undefined, problems: status >= 400 ? [`error ${status} without a body`] : [] };
  const reader = res.body.getReader();
  if (isStream(res)) {
    const { text } = await readWithin(reader, 40);
    await reader.cancel().catch(() => {});
    return { status, body: undefined, problems: checkWatchLines(text, path) };
  }
  const { text, ended } = await readWithin(reader, 10_000);
  if (!ended) {
    await reader.cancel().catch(() => {});
    return { status, body: undefined, problems: [`the body of a ${status} answer did not end within 10 s`] };
  }
  const type = res.headers.get("content-type") ?? "";
  let body: unknown;
  if (type.startsWith("application/json")) {
    try {
      body = JSON.parse(text);
    } catch {
      return { status, body: undefined, problems: [`a ${status} answer with invalid JSON: ${text.slice(0, 200)}`] };
    }
  }
  if (status < 400) return { status, body, problems: status >= 300 ? [`unexpected redirect ${status}`] : [] };
  if (!type.startsWith("application/json"))
    return { status, body, problems: [`error ${status} as ${type || "no content type"}: ${text.slice(0, 200)}`] };
  return { status, body, problems: checkStatus(body, status, `error ${status}`, path) };
}
