// The CRI container log format, one record per line, as containerd writes it:
//   <RFC3339Nano timestamp> <stdout|stderr> <F|P> <content>
// F ends a line, P is a chunk of a longer one. Every runtime writes this one format, so the agent's
// log reader (kubectl logs, --timestamps, --since) parses one format whatever ran the container.
// wasm/runner.mjs has its own writer (it cannot import TypeScript at run time).

export type LogStream = "stdout" | "stderr";

export interface CriLogRecord {
  /** The timestamp as written (nanosecond precision). */
  time: string;
  stream: LogStream;
  /** true for F (the line ends here), false for P (a partial chunk). */
  full: boolean;
  content: string;
}

/** RFC3339 with nanoseconds from a millisecond time (the sub-millisecond digits are zero). */
export function rfc3339Nano(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 23)}000000Z`;
}

/** One full-line record. `line` must not contain a newline. */
export function formatCriLine(stream: LogStream, line: string, ms: number = Date.now()): string {
  return `${rfc3339Nano(ms)} ${stream} F ${line}\n`;
}

const RECORD = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})) (stdout|stderr) ([FP]) (.*)$/;

/** Parses one record; undefined when the line is not in CRI format. */
export function parseCriLine(line: string): CriLogRecord | undefined {
  const match = RECORD.exec(line);
  if (match === null) return undefined;
  return { time: match[1] ?? "", stream: match[2] as LogStream, full: match[3] === "F", content: match[4] ?? "" };
}

/** Parses a whole log file's text; lines that are not CRI records are returned in `invalid`. */
export function parseCriLog(text: string): { records: CriLogRecord[]; invalid: string[] } {
  const records: CriLogRecord[] = [];
  const invalid: string[] = [];
  for (const line of text.split("\n")) {
    if (line.length === 0) continue;
    const record = parseCriLine(line);
    if (record === undefined) invalid.push(line);
    else records.push(record);
  }
  return { records, invalid };
}

/** The logical lines of a stream: partial chunks joined to the full record that ends them. */
export function criLogLines(text: string, stream?: LogStream): string[] {
  const lines: string[] = [];
  const partial: Record<LogStream, string> = { stdout: "", stderr: "" };
  for (const record of parseCriLog(text).records) {
    if (stream !== undefined && record.stream !== stream) continue;
    partial[record.stream] += record.content;
    if (record.full) {
      lines.push(partial[record.stream]);
      partial[record.stream] = "";
    }
  }
  return lines;
}
