// Container validation (pkg/apis/core/validation's validateContainers and friends): names, images,
// ports, env, mounts, probes and lifecycle hooks, with upstream's field paths and messages.

import type { Container, ContainerPort, EnvFromSource, EnvVar } from "../../../schemas/core/container.ts";
import type { HTTPGetAction, LifecycleHandler, Probe } from "../../../schemas/core/probe.ts";
import {
  isConfigMapKey,
  isDNS1123Label,
  isEnvVarName,
  isHTTPHeaderName,
  isValidPortName,
  isValidPortNum,
} from "../../../schemas/validation/names.ts";
import type { StatusCause } from "../errors.ts";
import {
  child,
  duplicate,
  forbidden,
  index,
  invalid,
  invalidEach,
  nonNegative,
  notFound,
  notSupported,
  required,
} from "./field.ts";
import { validateResourceRequirements } from "./resources-validation.ts";

const PULL_POLICIES = ["Always", "IfNotPresent", "Never"];
const MESSAGE_POLICIES = ["File", "FallbackToLogsOnError"];
const PROTOCOLS = ["SCTP", "TCP", "UDP"];
const SCHEMES = ["HTTP", "HTTPS"];

/** An int port must be 1-65535; a named one must be an IANA service name. */
export function validatePortNumOrName(port: string | number | undefined, path: string): StatusCause[] {
  if (typeof port === "number") return invalidEach(path, port, isValidPortNum(port));
  if (typeof port === "string" && port !== "") return invalidEach(path, port, isValidPortName(port));
  return [required(path)];
}

function validatePorts(ports: ContainerPort[] | undefined, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const names = new Set<string>();
  (ports ?? []).forEach((port, i) => {
    const p = index(path, i);
    if (port.name) {
      causes.push(...invalidEach(child(p, "name"), port.name, isValidPortName(port.name)));
      if (names.has(port.name)) causes.push(duplicate(child(p, "name"), port.name));
      else names.add(port.name);
    }
    if (!port.containerPort) causes.push(required(child(p, "containerPort")));
    else causes.push(...invalidEach(child(p, "containerPort"), port.containerPort, isValidPortNum(port.containerPort)));
    if (port.hostPort) causes.push(...invalidEach(child(p, "hostPort"), port.hostPort, isValidPortNum(port.hostPort)));
    if (!port.protocol) causes.push(required(child(p, "protocol")));
    else if (!PROTOCOLS.includes(port.protocol))
      causes.push(notSupported(child(p, "protocol"), port.protocol, PROTOCOLS));
  });
  return causes;
}

function validateEnv(env: EnvVar[] | undefined, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  (env ?? []).forEach((e, i) => {
    const p = index(path, i);
    if (!e.name) causes.push(required(child(p, "name")));
    else causes.push(...invalidEach(child(p, "name"), e.name, isEnvVarName(e.name)));
    const from = e.valueFrom;
    if (!from) return;
    const fromPath = child(p, "valueFrom");
    const sources = (["fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef", "fileKeyRef"] as const).filter(
      (s) => from[s] !== undefined,
    );
    if (sources.length === 0) {
      causes.push(
        invalid(
          fromPath,
          "",
          "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`",
        ),
      );
    } else if (sources.length > 1) {
      causes.push(invalid(fromPath, "", "may not have more than one field specified at a time"));
    }
    if (e.value && sources.length > 0)
      causes.push(invalid(fromPath, "", "may not be specified when `value` is not empty"));
    if (from.fieldRef && !from.fieldRef.fieldPath) causes.push(required(child(fromPath, "fieldRef", "fieldPath")));
    if (from.resourceFieldRef && !from.resourceFieldRef.resource) {
      causes.push(required(child(fromPath, "resourceFieldRef", "resource")));
    }
    for (const ref of ["configMapKeyRef", "secretKeyRef"] as const) {
      const selector = from[ref];
      if (!selector) continue;
      const keyPath = child(fromPath, ref, "key");
      if (!selector.key) causes.push(required(keyPath));
      else causes.push(...invalidEach(keyPath, selector.key, isConfigMapKey(selector.key)));
    }
  });
  return causes;
}

function validateEnvFrom(envFrom: EnvFromSource[] | undefined, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  (envFrom ?? []).forEach((source, i) => {
    const p = index(path, i);
    if (source.prefix) causes.push(...invalidEach(child(p, "prefix"), source.prefix, isEnvVarName(source.prefix)));
    const count = (source.configMapRef ? 1 : 0) + (source.secretRef ? 1 : 0);
    if (count === 0) causes.push(invalid(p, "", "must specify one of: `configMapRef` or `secretRef`"));
    if (count > 1) causes.push(invalid(p, "", "may not have more than one field specified at a time"));
  });
  return causes;
}

function validateHTTPGet(action: HTTPGetAction, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if (!action.path) causes.push(required(child(path, "path")));
  causes.push(...validatePortNumOrName(action.port, child(path, "port")));
  if (!SCHEMES.includes(action.scheme ?? ""))
    causes.push(notSupported(child(path, "scheme"), action.scheme ?? "", SCHEMES));
  for (const header of action.httpHeaders ?? []) {
    causes.push(...invalidEach(child(path, "httpHeaders"), header.name ?? "", isHTTPHeaderName(header.name ?? "")));
  }
  return causes;
}

/** One handler of exec/httpGet/tcpSocket/grpc (probes) or exec/httpGet/tcpSocket/sleep (hooks). */
function validateHandler(handler: Probe | LifecycleHandler, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  let count = 0;
  const one = (name: string, present: boolean, check: () => StatusCause[]): void => {
    if (!present) return;
    if (count > 0) {
      causes.push(forbidden(child(path, name), "may not specify more than 1 handler type"));
      return;
    }
    count++;
    causes.push(...check());
  };
  one("exec", handler.exec !== undefined, () =>
    handler.exec?.command?.length ? [] : [required(child(path, "exec", "command"))],
  );
  one("httpGet", handler.httpGet !== undefined, () =>
    handler.httpGet ? validateHTTPGet(handler.httpGet, child(path, "httpGet")) : [],
  );
  one("tcpSocket", handler.tcpSocket !== undefined, () =>
    validatePortNumOrName(handler.tcpSocket?.port, child(path, "tcpSocket", "port")),
  );
  if ("grpc" in handler) {
    const port = handler.grpc?.port ?? 0;
    one("grpc", handler.grpc !== undefined, () => invalidEach(child(path, "grpc", "port"), port, isValidPortNum(port)));
  }
  if ("sleep" in handler) {
    const seconds = handler.sleep?.seconds ?? 0;
    one("sleep", handler.sleep !== undefined, () => nonNegative(child(path, "sleep", "seconds"), seconds));
  }
  if (count === 0) causes.push(required(path, "must specify a handler type"));
  return causes;
}

function validateProbe(probe: Probe | undefined, path: string, mustSucceedOnce: boolean): StatusCause[] {
  if (!probe) return [];
  const causes = validateHandler(probe, path);
  for (const f of [
    "initialDelaySeconds",
    "timeoutSeconds",
    "periodSeconds",
    "successThreshold",
    "failureThreshold",
  ] as const) {
    causes.push(...nonNegative(child(path, f), probe[f]));
  }
  if (probe.terminationGracePeriodSeconds !== undefined && probe.terminationGracePeriodSeconds <= 0) {
    causes.push(
      invalid(
        child(path, "terminationGracePeriodSeconds"),
        probe.terminationGracePeriodSeconds,
        "must be greater than 0",
      ),
    );
  }
  if (mustSucceedOnce && probe.successThreshold !== undefined && probe.successThreshold !== 1) {
    causes.push(invalid(child(path, "successThreshold"), probe.successThreshold, "must be 1"));
  }
  return causes;
}

export interface ContainerContext {
  volumes: ReadonlySet<string>;
  /** Names across containers and init containers: a pod's container names are unique. */
  names: Set<string>;
  init: boolean;
}

function validateContainer(c: Container, path: string, ctx: ContainerContext): StatusCause[] {
  const causes: StatusCause[] = [];
  const namePath = child(path, "name");
  if (!c.name) causes.push(required(namePath));
  else {
    causes.push(...invalidEach(namePath, c.name, isDNS1123Label(c.name)));
    if (ctx.names.has(c.name)) causes.push(duplicate(namePath, c.name));
    else ctx.names.add(c.name);
  }
  if (!c.image) causes.push(required(child(path, "image")));
  else if (c.image.trim() !== c.image) {
    causes.push(invalid(child(path, "image"), c.image, "must not have leading or trailing whitespace"));
  }
  const sidecar = ctx.init && c.restartPolicy === "Always";
  if (c.restartPolicy !== undefined) {
    if (!ctx.init) causes.push(forbidden(child(path, "restartPolicy"), "may not be set for non-init containers"));
    else if (c.restartPolicy !== "Always")
      causes.push(notSupported(child(path, "restartPolicy"), c.restartPolicy, ["Always"]));
  }
  if (ctx.init && !sidecar) {
    const why = "may not be set for init containers without restartPolicy=Always";
    for (const f of ["lifecycle", "livenessProbe", "readinessProbe", "startupProbe"] as const) {
      if (c[f] !== undefined) causes.push(forbidden(child(path, f), why));
    }
  } else {
    causes.push(...validateProbe(c.livenessProbe, child(path, "livenessProbe"), true));
    causes.push(...validateProbe(c.readinessProbe, child(path, "readinessProbe"), false));
    causes.push(...validateProbe(c.startupProbe, child(path, "startupProbe"), true));
    for (const hook of ["postStart", "preStop"] as const) {
      const handler = c.lifecycle?.[hook];
      if (handler) causes.push(...validateHandler(handler, child(path, "lifecycle", hook)));
    }
  }
  if (!c.imagePullPolicy) causes.push(required(child(path, "imagePullPolicy")));
  else if (!PULL_POLICIES.includes(c.imagePullPolicy)) {
    causes.push(notSupported(child(path, "imagePullPolicy"), c.imagePullPolicy, PULL_POLICIES));
  }
  if (!c.terminationMessagePolicy) causes.push(required(child(path, "terminationMessagePolicy")));
  else if (!MESSAGE_POLICIES.includes(c.terminationMessagePolicy)) {
    causes.push(notSupported(child(path, "terminationMessagePolicy"), c.terminationMessagePolicy, MESSAGE_POLICIES));
  }
  causes.push(...validatePorts(c.ports, child(path, "ports")));
  causes.push(...validateEnv(c.env, child(path, "env")));
  causes.push(...validateEnvFrom(c.envFrom, child(path, "envFrom")));
  const mountPaths = new Set<string>();
  (c.volumeMounts ?? []).forEach((m, i) => {
    const p = index(child(path, "volumeMounts"), i);
    if (!m.name) causes.push(required(child(p, "name")));
    else if (!ctx.volumes.has(m.name)) causes.push(notFound(child(p, "name"), m.name));
    if (!m.mountPath) causes.push(required(child(p, "mountPath")));
    else if (mountPaths.has(m.mountPath)) causes.push(invalid(child(p, "mountPath"), m.mountPath, "must be unique"));
    else mountPaths.add(m.mountPath);
  });
  causes.push(...validateResourceRequirements(c.resources, child(path, "resources")));
  return causes;
}

export function validateContainers(
  containers: Container[] | undefined,
  path: string,
  ctx: ContainerContext,
): StatusCause[] {
  const causes: StatusCause[] = [];
  (containers ?? []).forEach((c, i) => {
    causes.push(...validateContainer(c, index(path, i), ctx));
  });
  return causes;
}
