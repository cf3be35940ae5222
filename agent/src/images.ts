// `k-agent images import <archive>`: the air-gap path, as k3s has it. Loads an OCI image-layout or
// docker-save archive into the node's containerd (the CRI's "k8s.io" namespace), so pods with
// imagePullPolicy IfNotPresent or Never run it without a registry. containerd's own `ctr` (shipped
// with it) reads the archive; the agent only finds the socket and says what happened.
import { execFile } from "node:child_process";
import { access } from "node:fs/promises";
import { socketAnswers } from "../runtime/cri/containerd-process.ts";
import { containerdLayout } from "./runtimes.ts";

export async function importImages(
  dataDir: string,
  archive: string,
  log: (line: string) => void,
  socket = containerdLayout(dataDir).socket,
): Promise<number> {
  try {
    await access(archive);
  } catch {
    throw new Error(`cannot read ${archive}: give the path of an OCI or docker image archive (a .tar)`);
  }
  if (!(await socketAnswers(socket)))
    throw new Error(
      `containerd is not running at ${socket}: start the agent first (k-agent run), or name another containerd with --containerd <socket>`,
    );
  log(`Importing ${archive} into containerd (${socket}) ...`);
  const output = await new Promise<string>((resolve, reject) =>
    execFile(
      "ctr",
      ["--address", socket, "--namespace", "k8s.io", "images", "import", archive],
      { timeout: 600_000, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`ctr images import failed: ${(stderr || error.message).trim()}`));
        else resolve(`${stdout}${stderr}`);
      },
    ),
  );
  const names = [...output.matchAll(/unpacking (\S+)/g)].map((m) => m[1] ?? "");
  for (const name of names) log(`  imported ${name}`);
  log(
    names.length > 0
      ? "Done. Pods can use these images with imagePullPolicy: IfNotPresent (or Never)."
      : `Done (ctr said: ${output.trim() || "nothing"}).`,
  );
  return 0;
}
