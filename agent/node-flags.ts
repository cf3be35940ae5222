// Node's command-line flags for the agent, wherever it is launched: its own shebang, the systemd
// unit `k-agent install` writes, `npm start`'s local agent, and the benchmarks that measure it.
// --max-opt=2: V8 optimizes hot code with Maglev but never TurboFan, whose code in the node binary
// an idle agent would otherwise page in (measured idle RSS: 57.7 MiB with TurboFan, 54.3 without).
// A small board's agent needs memory more than peak JavaScript speed. These must be on the command
// line: V8 freezes its flags once it has started, so setting them from inside the agent does nothing.
export const AGENT_NODE_FLAGS: readonly string[] = ["--max-opt=2"];
