// Strategies of networking.k8s.io/v1 Ingress and IngressClass, with upstream's validation
// (pkg/apis/networking/validation): rules or a default backend, hosts as DNS names (a leading
// `*.` allowed, IPs not), every path typed (Exact, Prefix, ImplementationSpecific) and absolute,
// each backend naming exactly one Service port or one resource; IngressClass needs a
// domain-prefixed controller that never changes.

import {
  type Ingress,
  type IngressBackend,
  type IngressClass,
  ingressClassSchema,
  ingressSchema,
} from "../../../schemas/networking/ingress.ts";
import {
  isDNS1035Label,
  isDNS1123Subdomain,
  isIP,
  isQualifiedName,
  isValidPortName,
  isValidPortNum,
  isWildcardDNS1123Subdomain,
} from "../../../schemas/validation/names.ts";
import type { StatusCause } from "../errors.ts";
import { defineStrategy, resourceOf } from "./base.ts";
import { child, immutable, index, invalid, invalidEach, notSupported, required, tooLong } from "./field.ts";

const PATH_TYPES = ["Exact", "ImplementationSpecific", "Prefix"];
const SCOPES = ["Cluster", "Namespace"];
/** Sequences a Prefix or Exact path may not hold (upstream's invalidPathSequences and suffixes). */
const BAD_SEQUENCES = ["//", "/./", "/../", "%2f", "%2F"];
const BAD_SUFFIXES = ["/..", "/."];

function validateHost(host: string, path: string): StatusCause[] {
  if (isIP(host)) return [invalid(path, host, "must be a DNS name, not an IP address")];
  return host.startsWith("*")
    ? invalidEach(path, host, isWildcardDNS1123Subdomain(host))
    : invalidEach(path, host, isDNS1123Subdomain(host));
}

function validateBackend(backend: IngressBackend | undefined, path: string): StatusCause[] {
  if (!backend) return [required(path)];
  const { service, resource } = backend;
  if (service && resource) return [invalid(path, "", "cannot set both resource and service backends")];
  if (!service && !resource) return [invalid(path, "", "one backend type must be specified")];
  const causes: StatusCause[] = [];
  if (service) {
    const p = child(path, "service");
    if (!service.name) causes.push(required(child(p, "name")));
    else causes.push(...invalidEach(child(p, "name"), service.name, isDNS1035Label(service.name)));
    const port = service.port ?? {};
    const pp = child(p, "port");
    if (port.name && port.number) causes.push(invalid(pp, "", "cannot set both port name & port number"));
    else if (port.name) causes.push(...invalidEach(child(pp, "name"), port.name, isValidPortName(port.name)));
    else if (port.number) causes.push(...invalidEach(child(pp, "number"), port.number, isValidPortNum(port.number)));
    else causes.push(required(pp, "port name or number is required"));
  }
  if (resource) {
    const p = child(path, "resource");
    if (!resource.kind) causes.push(required(child(p, "kind")));
    if (!resource.name) causes.push(required(child(p, "name")));
  }
  return causes;
}

function validatePath(path: string, pathType: string, field: string): StatusCause[] {
  if (pathType === "ImplementationSpecific") {
    return path && !path.startsWith("/") ? [invalid(field, path, "must be an absolute path")] : [];
  }
  if (!path.startsWith("/")) return [invalid(field, path, "must be an absolute path")];
  for (const seq of BAD_SEQUENCES) if (path.includes(seq)) return [invalid(field, path, `must not contain '${seq}'`)];
  for (const end of BAD_SUFFIXES) if (path.endsWith(end)) return [invalid(field, path, `cannot end with '${end}'`)];
  return [];
}

export function validateIngress(ing: Ingress): StatusCause[] {
  const spec = ing.spec ?? {};
  const causes: StatusCause[] = [];
  if (!spec.defaultBackend && (spec.rules ?? []).length === 0)
    causes.push(invalid("spec", "", "either `defaultBackend` or `rules` must be specified"));
  if (spec.ingressClassName)
    causes.push(
      ...invalidEach("spec.ingressClassName", spec.ingressClassName, isDNS1123Subdomain(spec.ingressClassName)),
    );
  if (spec.defaultBackend) causes.push(...validateBackend(spec.defaultBackend, "spec.defaultBackend"));
  (spec.rules ?? []).forEach((rule, i) => {
    const r = index("spec.rules", i);
    if (rule.host) causes.push(...validateHost(rule.host, child(r, "host")));
    if (!rule.http) return;
    const paths = rule.http.paths ?? [];
    if (paths.length === 0) causes.push(required(child(r, "http", "paths")));
    paths.forEach((p, j) => {
      const f = index(child(r, "http", "paths"), j);
      if (!p.pathType) causes.push(required(child(f, "pathType"), "pathType must be specified"));
      else if (!PATH_TYPES.includes(p.pathType))
        causes.push(notSupported(child(f, "pathType"), p.pathType, PATH_TYPES));
      else causes.push(...validatePath(p.path ?? "", p.pathType, child(f, "path")));
      causes.push(...validateBackend(p.backend, child(f, "backend")));
    });
  });
  (spec.tls ?? []).forEach((tls, i) => {
    const t = index("spec.tls", i);
    (tls.hosts ?? []).forEach((h, j) => {
      causes.push(...validateHost(h, index(child(t, "hosts"), j)));
    });
    if (tls.secretName)
      causes.push(...invalidEach(child(t, "secretName"), tls.secretName, isDNS1123Subdomain(tls.secretName)));
  });
  return causes;
}

export const ingressStrategy = defineStrategy<Ingress>({
  resource: resourceOf("networking.k8s.io/v1", "Ingress"),
  schema: ingressSchema,
  hasStatus: true,
  tracksGeneration: true,
  validate: validateIngress,
  prepareForCreate: (ing) => {
    ing.status = {};
  },
});

/** The controller field: a domain-prefixed path such as `kflare.dev/ingress` (upstream's check). */
function validateController(controller: string | undefined): StatusCause[] {
  if (!controller) return [required("spec.controller")];
  if (controller.length > 250) return [tooLong("spec.controller", 250)];
  const slash = controller.indexOf("/");
  if (slash <= 0)
    return [invalid("spec.controller", controller, 'must be a domain-prefixed path (such as "acme.io/foo")')];
  return invalidEach("spec.controller", controller, isDNS1123Subdomain(controller.slice(0, slash)));
}

export function validateIngressClass(ic: IngressClass): StatusCause[] {
  const causes = validateController(ic.spec?.controller);
  const params = ic.spec?.parameters;
  if (params) {
    const p = "spec.parameters";
    if (!params.kind) causes.push(required(child(p, "kind")));
    if (!params.name) causes.push(required(child(p, "name")));
    if (params.apiGroup)
      causes.push(...invalidEach(child(p, "apiGroup"), params.apiGroup, isDNS1123Subdomain(params.apiGroup)));
    if (params.scope && !SCOPES.includes(params.scope))
      causes.push(notSupported(child(p, "scope"), params.scope, SCOPES));
    if (params.scope === "Namespace" && !params.namespace)
      causes.push(required(child(p, "namespace"), "`parameters.scope` is set to 'Namespace'"));
    if (params.kind) causes.push(...invalidEach(child(p, "kind"), params.kind, isQualifiedName(params.kind)));
  }
  return causes;
}

export const ingressClassStrategy = defineStrategy<IngressClass>({
  resource: resourceOf("networking.k8s.io/v1", "IngressClass"),
  schema: ingressClassSchema,
  hasStatus: false,
  tracksGeneration: true,
  validate: validateIngressClass,
  validateUpdate: (ic, old) => immutable("spec.controller", ic.spec?.controller, old.spec?.controller),
});
