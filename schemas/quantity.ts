// Kubernetes resource quantities ("100m", "128Mi", "1e3", 0.5): parsing, exact comparison and the
// canonical form kube-apiserver serialises them in (so "0.5" is stored as "500m" and "1.5Gi" as
// "1536Mi"). Values are exact rationals n / 10^scale held in bigints, so requests <= limits and the
// scheduler's sums never suffer float rounding.

export type QuantityFormat = "DecimalSI" | "BinarySI" | "DecimalExponent";

export interface Quantity {
  /** The value is n / 10^scale. */
  readonly n: bigint;
  readonly scale: number;
  readonly format: QuantityFormat;
}

/** Upstream's wording for a malformed quantity (a decode error, so a 400). */
export const QUANTITY_FORMAT_ERROR =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
export const QUANTITY_SUFFIX_ERROR = "unable to parse quantity's suffix";

const SHAPE = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;
const NUMBER = /^([+-]?)([0-9]*)(?:\.([0-9]*))?$/;
const DECIMAL_SUFFIXES: Record<string, number> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIXES: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const DECIMAL_BY_EXPONENT = new Map(Object.entries(DECIMAL_SUFFIXES).map(([s, e]) => [e, s]));
const BINARY_BY_POWER = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
const NANO_SCALE = 9;

/** Powers of ten as bigints, made once: every quantity a pod create handles needs several. */
const POW10 = Array.from({ length: 64 }, (_, e) => 10n ** BigInt(e));

function pow10(e: number): bigint {
  return POW10[e] ?? 10n ** BigInt(e);
}

/**
 * Quantities parsed lately, by text. A pod's few quantities are parsed several times on its way in
 * (validation, defaults, QoS class) and a cluster's pods repeat the same handful ("100m",
 * "128Mi"); parsing with bigints cost about 1% of a pod create. Parsed quantities are never
 * modified, so one object serves every caller.
 */
const parsed = new Map<string, Quantity | string>();
const MAX_PARSED = 1024;

/** Parses a quantity; returns an error message (upstream's words) when it is malformed. */
export function parseQuantity(input: string | number): Quantity | string {
  const text = typeof input === "number" ? numberText(input) : input;
  let q = parsed.get(text);
  if (q === undefined) {
    q = parseText(text);
    if (parsed.size >= MAX_PARSED) parsed.clear();
    parsed.set(text, q);
  }
  return q;
}

function parseText(text: string): Quantity | string {
  if (text.length === 0) return QUANTITY_FORMAT_ERROR;
  const shape = SHAPE.exec(text);
  if (!shape) return QUANTITY_FORMAT_ERROR;
  const numberPart = NUMBER.exec(shape[1] ?? "");
  if (!numberPart) return QUANTITY_FORMAT_ERROR;
  const [, sign, whole = "", fraction = ""] = numberPart;
  if (whole.length === 0 && fraction.length === 0) return QUANTITY_FORMAT_ERROR;
  const suffix = shape[2] ?? "";

  let format: QuantityFormat;
  let exponent = 0;
  let binaryPower = 0;
  if (suffix in DECIMAL_SUFFIXES) {
    format = "DecimalSI";
    exponent = DECIMAL_SUFFIXES[suffix] ?? 0;
  } else if (suffix in BINARY_SUFFIXES) {
    format = "BinarySI";
    binaryPower = BINARY_SUFFIXES[suffix] ?? 0;
  } else if (/^[eE][-+]?[0-9]+$/.test(suffix)) {
    format = "DecimalExponent";
    exponent = Number.parseInt(suffix.slice(1), 10);
  } else {
    return QUANTITY_SUFFIX_ERROR;
  }

  let n = BigInt(`${whole || "0"}${fraction}`);
  let scale = fraction.length - exponent;
  if (binaryPower > 0) n *= 1024n ** BigInt(binaryPower);
  if (scale < 0) {
    n *= pow10(-scale);
    scale = 0;
  }
  // Below nano precision a quantity is rounded up (away from zero), as upstream does.
  if (scale > NANO_SCALE) {
    const divisor = pow10(scale - NANO_SCALE);
    const rounded = n / divisor;
    n = rounded * divisor === n ? rounded : rounded + 1n;
    scale = NANO_SCALE;
  }
  if (sign === "-") n = -n;
  if (format === "BinarySI" && compareQuantities({ n, scale, format }, { n: 1n, scale: 0, format }) < 0 && n > 0n) {
    format = "DecimalSI";
  }
  return { n, scale, format };
}

function numberText(value: number): string {
  // JSON numbers reach us as JS numbers; write them out without exponent where JS would use one.
  if (Number.isInteger(value) && Math.abs(value) < 1e21) return BigInt(value).toString();
  return String(value);
}

/** -1, 0 or 1 as a < b, a = b, a > b. */
export function compareQuantities(a: Quantity, b: Quantity): number {
  const scale = Math.max(a.scale, b.scale);
  const x = a.n * pow10(scale - a.scale);
  const y = b.n * pow10(scale - b.scale);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function addQuantities(a: Quantity, b: Quantity): Quantity {
  const scale = Math.max(a.scale, b.scale);
  return { n: a.n * pow10(scale - a.scale) + b.n * pow10(scale - b.scale), scale, format: a.format };
}

/** Rounds up (away from zero) to the given number of decimals: resource lists are kept to milli precision. */
export function roundUpQuantity(q: Quantity, decimals: number): Quantity {
  if (q.scale <= decimals) return q;
  const divisor = pow10(q.scale - decimals);
  const truncated = q.n / divisor;
  const exact = truncated * divisor === q.n;
  const n = exact ? truncated : truncated + (q.n < 0n ? -1n : 1n);
  return { n, scale: decimals, format: q.format };
}

/** The value in thousandths, rounded up: what the scheduler compares CPU in. */
export function milliValue(q: Quantity): bigint {
  const r = roundUpQuantity(q, 3);
  return r.n * pow10(3 - r.scale);
}

/** The value in whole units, rounded up (memory in bytes). */
export function unitValue(q: Quantity): bigint {
  const r = roundUpQuantity(q, 0);
  return r.n * pow10(-r.scale);
}

/** The form kube-apiserver writes: no fraction digits, the largest suffix that keeps it exact. */
export function formatQuantity(q: Quantity): string {
  if (q.n === 0n) return "0";
  const negative = q.n < 0n;
  const abs = negative ? -q.n : q.n;
  const sign = negative ? "-" : "";
  if (q.format === "BinarySI" && q.scale === 0 && abs >= 1024n) {
    let mantissa = abs;
    let power = 0;
    while (power < BINARY_BY_POWER.length - 1 && mantissa % 1024n === 0n) {
      mantissa /= 1024n;
      power++;
    }
    return `${sign}${mantissa}${BINARY_BY_POWER[power]}`;
  }
  if (q.format === "BinarySI" && q.scale > 0) {
    const whole = abs / pow10(q.scale);
    if (whole * pow10(q.scale) === abs && whole >= 1024n) {
      return formatQuantity({ n: q.n / pow10(q.scale), scale: 0, format: "BinarySI" });
    }
  }
  // Decimal: strip trailing zeros, then pick the largest exponent that is a multiple of three.
  let mantissa = abs;
  let exponent = -q.scale;
  while (mantissa % 10n === 0n) {
    mantissa /= 10n;
    exponent++;
  }
  const target = Math.floor(exponent / 3) * 3;
  mantissa *= pow10(exponent - target);
  if (q.format === "DecimalExponent") return `${sign}${mantissa}${target === 0 ? "" : `e${target}`}`;
  const suffix = DECIMAL_BY_EXPONENT.get(target);
  if (suffix !== undefined) return `${sign}${mantissa}${suffix}`;
  return `${sign}${mantissa}e${target}`;
}

/** Parses and re-serialises in canonical form; returns the error message for a malformed one. */
export type CanonicalQuantity = { readonly value: string } | { readonly error: string };

/** Canonical forms lately computed, by input: every pod's few quantities are decoded through this. */
const canonical = new Map<string | number, CanonicalQuantity>();

const roundedToMilli = new Map<string, string | undefined>();

/**
 * A quantity's text rounded up to milli precision in kube-apiserver's form ("0.1m" -> "1m"), or
 * undefined when it does not parse; remembered by text, as resource lists repeat a few values.
 */
export function milliRoundedText(text: string): string | undefined {
  let result = roundedToMilli.get(text);
  if (result === undefined && !roundedToMilli.has(text)) {
    const q = parseQuantity(text);
    result = typeof q === "string" ? undefined : formatQuantity(roundUpQuantity(q, 3));
    if (roundedToMilli.size >= MAX_PARSED) roundedToMilli.clear();
    roundedToMilli.set(text, result);
  }
  return result;
}

export function canonicalQuantity(input: string | number): CanonicalQuantity {
  // A Map tells the number 5 from the string "5" (whose answers happen to agree anyway).
  let result = canonical.get(input);
  if (result === undefined) {
    const q = parseQuantity(input);
    result = typeof q === "string" ? { error: q } : { value: formatQuantity(q) };
    if (canonical.size >= MAX_PARSED) canonical.clear();
    canonical.set(input, result);
  }
  return result;
}
