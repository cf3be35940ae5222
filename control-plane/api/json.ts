// Small helpers for plain JSON values (objects as decoded from request bodies and the store).

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Structural equality of JSON values; key order does not matter, as for Kubernetes semantics. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const ka = Object.keys(ra).filter((k) => ra[k] !== undefined);
  const kb = Object.keys(rb).filter((k) => rb[k] !== undefined);
  if (ka.length !== kb.length) return false;
  for (const k of ka) if (!Object.hasOwn(rb, k) || !jsonEqual(ra[k], rb[k])) return false;
  return true;
}

/** A deep copy of a JSON value (structuredClone keeps undefined-valued keys; this drops them like the wire does). */
export function cloneJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/**
 * How deep a request body may nest. kube-apiserver (Go's encoding/json) stops at 10,000 levels, but
 * workerd's structured clone, which every Durable Object RPC uses, overflows at about 2,400, and
 * the decoders recurse too. Kubernetes objects nest a few dozen levels, so 1,000 refuses nothing real.
 */
export const MAX_NESTING_DEPTH = 1_000;

/**
 * Why a decoded body cannot be handled, if it cannot: nested deeper than MAX_NESTING_DEPTH (every
 * recursive walk after decoding would overflow the stack) or circular (a YAML alias inside the
 * node it names: `a: &a [*a]`). Iterative, so the check itself cannot overflow; shared,
 * non-circular aliases are fine.
 */
const tooDeep = (maxDepth: number) => `it is nested more than ${maxDepth} levels deep`;

/**
 * nestingProblem for JSON text, from its brackets outside strings: a scan of the text costs a
 * fraction of walking the parsed value (which YAML needs, whose aliases can also make a value refer
 * to itself; parsed JSON never does).
 */
export function jsonNestingProblem(text: string, maxDepth = MAX_NESTING_DEPTH): string | undefined {
  // Each level opens with a bracket: a text no longer than the limit cannot nest past it.
  if (text.length <= maxDepth) return undefined;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) return tooDeep(maxDepth);
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return undefined;
}

export function nestingProblem(value: unknown, maxDepth = MAX_NESTING_DEPTH): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const onPath = new Set<object>();
  // Each frame: a container and the children still to visit; popped when they are all visited.
  const stack: { node: object; children: unknown[] }[] = [];
  const enter = (node: object): string | undefined => {
    if (onPath.has(node)) return "it refers to itself (a YAML alias inside the node it names)";
    if (stack.length >= maxDepth) return tooDeep(maxDepth);
    onPath.add(node);
    stack.push({ node, children: Array.isArray(node) ? [...node] : Object.values(node) });
    return undefined;
  };
  const first = enter(value);
  if (first) return first;
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const child = top.children.pop();
    if (child === undefined && top.children.length === 0) {
      onPath.delete(top.node);
      stack.pop();
      continue;
    }
    if (typeof child === "object" && child !== null) {
      const problem = enter(child);
      if (problem) return problem;
    }
  }
  return undefined;
}
