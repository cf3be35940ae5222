import { describe, expect, it } from "vitest";
import { AGENT_NODE_FLAGS } from "../node-flags.ts";
import { unitText } from "./install.ts";

describe("k-agent install's systemd unit", () => {
  it("runs `k-agent run` with this node binary, the agent's node flags and this data directory", () => {
    const unit = unitText("/usr/bin/node", "/opt/k-agent/dist/k-agent.mjs", "/root/.k-agent");
    expect(AGENT_NODE_FLAGS).toContain("--max-opt=2");
    expect(unit).toContain(
      `ExecStart=/usr/bin/node ${AGENT_NODE_FLAGS.join(" ")} /opt/k-agent/dist/k-agent.mjs run --data-dir /root/.k-agent\n`,
    );
    // Pods outlive the agent: systemd must stop only the agent's own process.
    expect(unit).toContain("KillMode=process\n");
    expect(unit).toContain("Restart=always\n");
  });
});
