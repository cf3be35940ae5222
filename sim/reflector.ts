// A reflector, as client-go's: list page by page, then watch from the list's resourceVersion; list
// again whenever the watch ends or reports an error (410 Gone once it falls too far behind the
// store's history). A watch without a resourceVersion would instead send every existing object in
// one burst, and tens of thousands of pods are more than a watch may leave unread: the store closes
// it, and a client that simply watches again loops forever.

import type { KubeClient, Obj } from "../cli/kube-client.ts";

const PAGE = 500;
const RETRY_MS = 200;

export interface Reflection {
  stop(): void;
}

/**
 * Calls `onObject` for every object `path` lists (type "ADDED", again after each relist) and for
 * every change the watch then reports (ADDED, MODIFIED, DELETED). `path` may carry a query.
 */
export function reflect(
  client: KubeClient,
  path: string,
  onObject: (type: string, obj: Obj) => void,
  log: (line: string) => void,
): Reflection {
  const sep = path.includes("?") ? "&" : "?";
  let stopped = false;
  let watch: { stop(): void } | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;

  const again = () => {
    if (!stopped) retry = setTimeout(run, RETRY_MS);
  };

  async function list(): Promise<string> {
    let token = "";
    for (;;) {
      const page = await client.call<{ items: Obj[]; metadata: { continue?: string; resourceVersion?: string } }>(
        "GET",
        `${path}${sep}limit=${PAGE}${token ? `&continue=${encodeURIComponent(token)}` : ""}`,
      );
      for (const o of page.items) onObject("ADDED", o);
      token = page.metadata.continue ?? "";
      if (!token) return page.metadata.resourceVersion ?? "";
    }
  }

  function run(): void {
    if (stopped) return;
    list().then(
      (rv) => {
        if (stopped) return;
        // The watch ends once, whichever comes first: an ERROR event, or the stream closing.
        let ended = false;
        const end = (why?: string) => {
          if (ended) return;
          ended = true;
          watch?.stop();
          if (why && !stopped) log(`watch ${path}: ${why}; listing again`);
          again();
        };
        watch = client.watch(
          `${path}${sep}resourceVersion=${rv}&allowWatchBookmarks=true`,
          (type, obj) => {
            if (type === "ERROR") end(String((obj as { message?: string }).message ?? "error"));
            else if (type !== "BOOKMARK") onObject(type, obj);
          },
          (err) => end(err?.message),
        );
      },
      (err: unknown) => {
        log(`list ${path}: ${String(err)}; retrying`);
        again();
      },
    );
  }

  run();
  return {
    stop() {
      stopped = true;
      if (retry) clearTimeout(retry);
      watch?.stop();
    },
  };
}
