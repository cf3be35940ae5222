import { describe, expect, it } from "vitest";
import {
  isCIDR,
  isConfigMapKey,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isEnvVarName,
  isIP,
  isQualifiedName,
  isValidLabelValue,
  isValidPathSegmentName,
  isValidPortName,
  maskTrailingDash,
} from "./names.ts";

const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const DNS1035_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const NAME_PART_MSG =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const CONFIG_KEY_MSG =
  "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";

describe("DNS names", () => {
  it.each([
    ["web", []],
    ["Web", [LABEL_MSG]],
    ["a.b", ["must not contain dots"]],
    ["x".repeat(64), ["must be no more than 63 characters"]],
  ])("label %j", (value, errs) => expect(isDNS1123Label(value)).toEqual(errs));

  it.each([
    ["web-app", []],
    ["a.b.c", []],
    ["Web_App", [SUBDOMAIN_MSG]],
  ])("subdomain %j", (value, errs) => expect(isDNS1123Subdomain(value)).toEqual(errs));

  it.each([
    ["web-app", []],
    ["1web", [DNS1035_MSG]],
  ])("DNS-1035 %j", (value, errs) => expect(isDNS1035Label(value)).toEqual(errs));

  it("masks a generateName's trailing dash as upstream does", () => {
    expect(maskTrailingDash("web-")).toBe("wea");
    expect(isDNS1123Subdomain(maskTrailingDash("web-"))).toEqual([]);
  });
});

describe("labels and keys", () => {
  it.each([
    ["app", []],
    ["app.kubernetes.io/name", []],
    ["bad key", [NAME_PART_MSG]],
    ["/x", ["prefix part must be non-empty"]],
    ["a/b/c", [expect.stringMatching(/^a valid label key must consist of/)]],
    ["x".repeat(64), ["name part must be no more than 63 bytes"]],
  ])("qualified name %j", (value, errs) => expect(isQualifiedName(value)).toEqual(errs));

  it.each([
    ["", []],
    ["web-app", []],
    ["-bad", [LABEL_VALUE_MSG]],
    ["x".repeat(64), ["must be no more than 63 bytes"]],
  ])("label value %j", (value, errs) => expect(isValidLabelValue(value)).toEqual(errs));

  it.each([
    ["config.yaml", []],
    ["bad key", [CONFIG_KEY_MSG]],
    ["..", ["must not be '..'"]],
    ["..x", ["must not start with '..'"]],
  ])("config key %j", (value, errs) => expect(isConfigMapKey(value)).toEqual(errs));

  it.each([
    ["http", []],
    ["Http", ["must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"]],
    ["123", ["must contain at least one letter (a-z)"]],
    ["a--b", ["must not contain consecutive hyphens"]],
    ["very-long-port-name", ["must be no more than 15 characters"]],
  ])("port name %j", (value, errs) => expect(isValidPortName(value)).toEqual(errs));

  it("accepts relaxed env var names but not '='", () => {
    expect(isEnvVarName("1.MY-VAR")).toEqual([]);
    expect(isEnvVarName("A=B")).toHaveLength(1);
  });
});

describe("addresses", () => {
  it.each([
    ["10.96.0.1", true],
    ["010.0.0.1", false],
    ["2001:db8::1", true],
    ["::", true],
    ["1:2:3:4:5:6:7:8:9", false],
    ["None", false],
  ])("IP %j", (value, ok) => expect(isIP(value)).toBe(ok));

  it.each([
    ["10.244.0.0/24", true],
    ["fd00::/64", true],
    ["10.0.0.0/33", false],
    ["10.0.0.0", false],
  ])("CIDR %j", (value, ok) => expect(isCIDR(value)).toBe(ok));
});

describe("path segment names", () => {
  it.each([
    ["system:controller:x", []],
    [".", ["may not be '.'"]],
    ["..", ["may not be '..'"]],
    ["a/b%c", ["may not contain '/'", "may not contain '%'"]],
  ])("%s", (name, errors) => {
    expect(isValidPathSegmentName(name)).toEqual(errors);
  });
});
