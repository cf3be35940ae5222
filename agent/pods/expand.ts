// Kubernetes' $(VAR) references in command, args and env values. The rules users rely on:
// $(NAME) becomes NAME's value when NAME is defined and stays as written when it is not;
// $$ writes a single $ (so $$(NAME) is the literal "$(NAME)"); a $ before anything else, or an
// unclosed "$(", is kept as is.

export type Lookup = (name: string) => string | undefined;

export function expand(input: string, lookup: Lookup): string {
  let out = "";
  let i = 0;
  while (i < input.length) {
    const c = input[i];
    if (c !== "$" || i + 1 >= input.length) {
      out += c;
      i++;
      continue;
    }
    const next = input[i + 1];
    if (next === "$") {
      out += "$";
      i += 2;
      continue;
    }
    if (next === "(") {
      const close = input.indexOf(")", i + 2);
      if (close < 0) {
        out += "$(";
        i += 2;
        continue;
      }
      const name = input.slice(i + 2, close);
      out += lookup(name) ?? `$(${name})`;
      i = close + 1;
      continue;
    }
    out += `$${next}`;
    i += 2;
  }
  return out;
}

/** A lookup over several maps, earlier ones first. */
export function lookupIn(...maps: ReadonlyMap<string, string>[]): Lookup {
  return (name) => {
    for (const m of maps) {
      const v = m.get(name);
      if (v !== undefined) return v;
    }
    return undefined;
  };
}
