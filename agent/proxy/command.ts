// Running the iptables tools: execFile (no shell), optional stdin, a timeout, and an optional
// prefix so the same code can program another network namespace (tests use
// `nsenter --net=/run/netns/NAME --`). A non-zero exit is returned, not thrown, because `iptables
// -C` answers with it; failures to run at all throw an error naming the command.
import { execFile } from "node:child_process";

export interface CommandOptions {
  /** Run the tools inside this network namespace: `nsenter --net=<path> -- <tool> ...`. */
  netnsPath?: string;
  /** Words put before every command instead (takes precedence over netnsPath). */
  commandPrefix?: string[];
  /** Per command; 30 s unless told. */
  timeoutMs?: number;
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class CommandError extends Error {
  readonly command: string;
  readonly code: number | undefined;
  readonly stderr: string;

  constructor(command: string, code: number | undefined, stderr: string, detail = "") {
    const status = code === undefined ? "could not run" : `exited with ${code}`;
    super(`${command}: ${status}${stderr.trim() ? `: ${stderr.trim()}` : ""}${detail}`);
    this.name = "CommandError";
    this.command = command;
    this.code = code;
    this.stderr = stderr;
  }
}

/** The full argv for `command args` under the options' prefix. */
export function commandLine(command: string, args: string[], options: CommandOptions): string[] {
  const prefix = options.commandPrefix ?? (options.netnsPath ? ["nsenter", `--net=${options.netnsPath}`, "--"] : []);
  return [...prefix, command, ...args];
}

export function runCommand(
  command: string,
  args: string[],
  options: CommandOptions = {},
  stdin?: string,
): Promise<CommandResult> {
  const [bin = command, ...rest] = commandLine(command, args, options);
  const shown = [bin, ...rest].join(" ");
  return new Promise((resolve, reject) => {
    const child = execFile(
      bin,
      rest,
      { encoding: "utf8", timeout: options.timeoutMs ?? 30_000, maxBuffer: 64 << 20 },
      (error, stdout, stderr) => {
        if (!error) return resolve({ code: 0, stdout, stderr });
        if (typeof error.code === "number" && !error.killed) return resolve({ code: error.code, stdout, stderr });
        const why = error.killed ? ` (killed after ${options.timeoutMs ?? 30_000} ms)` : ` (${error.message})`;
        reject(new CommandError(shown, undefined, stderr, why));
      },
    );
    child.stdin?.on("error", () => {}); // a tool that exits early closes stdin; its exit code says why
    child.stdin?.end(stdin ?? "");
  });
}

/** Runs and throws a CommandError unless the exit code is 0. */
export async function runChecked(
  command: string,
  args: string[],
  options: CommandOptions = {},
  stdin?: string,
): Promise<string> {
  const result = await runCommand(command, args, options, stdin);
  if (result.code !== 0) {
    throw new CommandError(
      commandLine(command, args, options).join(" "),
      result.code,
      result.stderr,
      failedLine(result.stderr, stdin),
    );
  }
  return result.stdout;
}

/**
 * iptables-restore names the input line it failed on; show that line. The nf_tables backend
 * checks a table's rules at its COMMIT and names that line, so also show the first line that
 * mentions what the message quotes (e.g. "Chain 'X' does not exist").
 */
function failedLine(stderr: string, stdin: string | undefined): string {
  const at = /line:? (\d+)/.exec(stderr);
  if (!at || stdin === undefined) return "";
  const lines = stdin.split("\n");
  const line = lines[Number(at[1]) - 1];
  if (line === undefined) return "";
  let shown = ` [input line ${at[1]}: ${line}]`;
  const quoted = /'([^']+)'/.exec(stderr)?.[1];
  const index = quoted === undefined ? -1 : lines.findIndex((l) => l.includes(quoted));
  if (index >= 0 && index !== Number(at[1]) - 1) shown += ` [input line ${index + 1}: ${lines[index]}]`;
  return shown;
}
