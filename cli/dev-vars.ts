// `.dev.vars` is the file `wrangler dev` reads for local secrets; `npm start` reads and writes the
// same file so both ways of running the Worker see the same ADMIN_TOKEN_HASH. Edits keep every other
// line (comments, other secrets) exactly as the user wrote it.
import { readFile } from "node:fs/promises";
import { writeFileAtomic } from "./secure-fs.ts";

const LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/;

/** Parses dotenv-style KEY=VALUE lines; quotes around a value are removed. */
export function parseDevVars(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    if (line.trimStart().startsWith("#")) continue;
    const m = LINE.exec(line);
    if (m?.[1] === undefined) continue;
    vars[m[1]] = unquote(m[2] ?? "");
  }
  return vars;
}

/** Returns `text` with KEY set to `value`: the first KEY line is replaced, others dropped, or one is appended. */
export function setDevVar(text: string, key: string, value: string): string {
  const lines = text === "" ? [] : text.replace(/\r?\n$/, "").split(/\r?\n/);
  const out: string[] = [];
  let replaced = false;
  for (const line of lines) {
    const m = line.trimStart().startsWith("#") ? null : LINE.exec(line);
    if (m?.[1] === key) {
      if (!replaced) out.push(`${key}=${value}`);
      replaced = true;
    } else {
      out.push(line);
    }
  }
  if (!replaced) out.push(`${key}=${value}`);
  return `${out.join("\n")}\n`;
}

export async function readDevVarsFile(path: string): Promise<{ text: string; vars: Record<string, string> }> {
  let text = "";
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  return { text, vars: parseDevVars(text) };
}

export async function writeDevVar(path: string, key: string, value: string): Promise<void> {
  const { text } = await readDevVarsFile(path);
  // 0600: the file's other entries are secrets too.
  await writeFileAtomic(path, setDevVar(text, key, value), 0o600);
}

function unquote(v: string): string {
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v.at(-1) === v[0]) return v.slice(1, -1);
  return v;
}
