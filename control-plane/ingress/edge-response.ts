// What a client of an Ingress host sees when the edge cannot serve it: a short text body naming
// the cause, with the status a reverse proxy gives (404 no route, 413 body too large, 502 the pod
// failed, 503 no ready endpoint, 504 the pod did not answer in time). Never a Kubernetes Status:
// these clients are browsers and apps, not kubectl.

const REASONS: Record<number, string> = {
  404: "Not Found",
  413: "Content Too Large",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

export function edgeErrorResponse(status: number, message: string): Response {
  return new Response(`${status} ${REASONS[status] ?? "Error"}: ${message}\n`, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" },
  });
}
