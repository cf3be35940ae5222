import { expect, it } from "vitest";
import { parseDevVars, setDevVar } from "./dev-vars.ts";

it("parses KEY=VALUE lines, skipping comments and unquoting values", () => {
  const text = "# local secrets\nA=1\nexport B = \"two words\"\nC='x'\n\nnot a line\n";
  expect(parseDevVars(text)).toEqual({ A: "1", B: "two words", C: "x" });
});

it("replaces the key in place and keeps every other line", () => {
  const text = "# keep me\nOTHER=1\nADMIN_TOKEN_HASH=0000\nLAST=2\n";
  expect(setDevVar(text, "ADMIN_TOKEN_HASH", "ab")).toBe("# keep me\nOTHER=1\nADMIN_TOKEN_HASH=ab\nLAST=2\n");
});

it("appends the key when absent, and drops duplicates", () => {
  expect(setDevVar("", "K", "v")).toBe("K=v\n");
  expect(setDevVar("A=1", "K", "v")).toBe("A=1\nK=v\n");
  expect(setDevVar("K=1\nK=2\n# K=3\n", "K", "v")).toBe("K=v\n# K=3\n");
});
