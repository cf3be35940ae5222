// POST of the review resources, questions a caller asks about itself: SelfSubjectAccessReview
// (`kubectl auth can-i`), SelfSubjectRulesReview (`kubectl auth can-i --list`) and
// SelfSubjectReview (`kubectl auth whoami`). Each is answered from the same identity and the same
// authorizers its other requests meet, and nothing is stored.

import type { UserInfo } from "../../../schemas/authentication/self-subject-review.ts";
import type {
  ResourceAttributes,
  SelfSubjectAccessReview,
  SelfSubjectRulesReview,
  SubjectAccessReviewStatus,
} from "../../../schemas/authorization/self-subject-reviews.ts";
import type { KubeObject } from "../../../schemas/object.ts";
import type { PolicyRule } from "../../../schemas/rbac/role.ts";
import { apiVersionOf, RESOURCES, type ResourceType } from "../../../schemas/registry.ts";
import { reviewSchema } from "../../../schemas/review-kinds.ts";
import { invalid } from "../../api/errors.ts";
import type { RequestAttributes } from "../../api/rbac/types.ts";
import { checkTypeMeta } from "../../api/strategies/base.ts";
import { decodeWithSchema } from "../../api/strategies/index.ts";
import { rfc3339 } from "../../api/time.ts";
import { type Identity, isSuperuser } from "../auth.ts";
import { decodeObjectBody, mediaType, readBody } from "../body.ts";
import { nodeRefusal } from "../node-authorizer.ts";
import { parseWriteQuery } from "../query.ts";
import { authorizeRbac, decidedByRbac, rbacUser } from "../rbac-authorizer.ts";
import type { ResourcePath } from "../request-path.ts";
import { json } from "../respond.ts";
import type { RequestContext, ResourceRequest } from "./context.ts";
import { methodNotAllowed, notFoundPath } from "./resources.ts";

export async function handleReview(ctx: RequestContext, rt: ResourceType, path: ResourcePath): Promise<Response> {
  if (path.namespace !== undefined || path.name !== undefined || path.subresource !== undefined) throw notFoundPath();
  if (ctx.request.method !== "POST") throw methodNotAllowed(ctx.request.method, rt.plural);
  const req: ResourceRequest = {
    ...ctx,
    rt,
    path,
    ref: { group: rt.group, version: rt.version, plural: rt.plural },
    namespace: "",
  };
  // Asking about oneself is what upstream's system:basic-user grants every authenticated user;
  // a service account meets RBAC here as anywhere (an admin may have narrowed that binding).
  if (decidedByRbac(ctx.identity)) await authorizeRbac(ctx.identity, req);
  const q = parseWriteQuery(ctx.url);
  const raw = await decodeObjectBody(mediaType(ctx.request), await readBody(ctx.request));
  const schema = reviewSchema(rt.kind);
  if (!schema) throw notFoundPath();
  const target = { kind: rt.kind, version: rt.version };
  const body = checkTypeMeta(raw, apiVersionOf(rt), rt.kind);
  const { object, warnings } = decodeWithSchema(schema, body, q.fieldValidation, target);
  const answered = await answer(ctx, object);
  return json({ ...answered, apiVersion: apiVersionOf(rt), kind: rt.kind }, 201, warnings);
}

async function answer(ctx: RequestContext, object: KubeObject): Promise<KubeObject> {
  switch (object.kind) {
    case "SelfSubjectAccessReview": {
      const review = object as SelfSubjectAccessReview;
      return { ...review, status: await accessReviewStatus(ctx, review) };
    }
    case "SelfSubjectRulesReview": {
      const review = object as SelfSubjectRulesReview;
      return { ...review, status: await rulesReviewStatus(ctx, review.spec?.namespace ?? "") };
    }
    default:
      return {
        ...object,
        metadata: { ...object.metadata, creationTimestamp: rfc3339(Date.now()) },
        status: { userInfo: userInfo(ctx.identity) },
      };
  }
}

async function accessReviewStatus(
  ctx: RequestContext,
  review: SelfSubjectAccessReview,
): Promise<SubjectAccessReviewStatus> {
  const ra = review.spec?.resourceAttributes;
  const na = review.spec?.nonResourceAttributes;
  const refuse = (field: string, message: string) =>
    invalid("SelfSubjectAccessReview", "", [{ reason: "FieldValueInvalid", field, message }], "authorization.k8s.io");
  if (ra && na)
    throw refuse(
      "spec.nonResourceAttributes",
      "Invalid value: cannot be specified in combination with resourceAttributes",
    );
  if (!ra && !na)
    throw refuse(
      "spec.resourceAttributes",
      'Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified',
    );
  const id = ctx.identity;
  if (isSuperuser(id)) return { allowed: true };
  if (id.node !== undefined && ra) {
    const why = await nodeRefusal(id.node, nodeRequest(ra), ctx.store);
    return why === undefined ? { allowed: true } : { allowed: false, reason: why };
  }
  const attrs: RequestAttributes = ra
    ? resourceAttributes(ra)
    : { verb: na?.verb ?? "", nonResourcePath: na?.path ?? "" };
  const decision = await ctx.store.authorize(rbacUser(id), attrs);
  return decision.reason ? { allowed: decision.allowed, reason: decision.reason } : { allowed: decision.allowed };
}

function resourceAttributes(ra: ResourceAttributes): RequestAttributes {
  return {
    verb: ra.verb ?? "",
    apiGroup: ra.group ?? "",
    resource: ra.resource ?? "",
    ...(ra.subresource ? { subresource: ra.subresource } : {}),
    ...(ra.name ? { name: ra.name } : {}),
    namespace: ra.namespace ?? "",
  };
}

function nodeRequest(ra: ResourceAttributes) {
  const group = ra.group ?? "";
  const plural = ra.resource ?? "";
  const version = ra.version || RESOURCES.find((r) => r.group === group && r.plural === plural)?.version || "v1";
  return {
    verb: ra.verb ?? "",
    ref: { group, version, plural },
    namespace: ra.namespace ?? "",
    name: ra.name ?? "",
    subresource: ra.subresource || undefined,
    fieldSelector: "",
  };
}

const ALL_RESOURCES: PolicyRule = { verbs: ["*"], apiGroups: ["*"], resources: ["*"] };
const ALL_PATHS: PolicyRule = { verbs: ["*"], nonResourceURLs: ["*"] };

async function rulesReviewStatus(ctx: RequestContext, namespace: string) {
  const id = ctx.identity;
  const rules = await ctx.store.rulesFor(rbacUser(id), namespace);
  // The superuser group is allowed everything whatever RBAC says; the node authorizer cannot list
  // what it allows (it depends on the node's pods), so for a node the list is incomplete, as
  // upstream's rules review says too.
  if (isSuperuser(id)) rules.unshift(ALL_RESOURCES, ALL_PATHS);
  const resourceRules = rules
    .filter((r) => !r.nonResourceURLs?.length)
    .map((r) => ({
      verbs: r.verbs ?? [],
      apiGroups: r.apiGroups ?? [],
      resources: r.resources ?? [],
      ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}),
    }));
  const nonResourceRules = rules
    .filter((r) => r.nonResourceURLs?.length)
    .map((r) => ({ verbs: r.verbs ?? [], nonResourceURLs: r.nonResourceURLs ?? [] }));
  return id.node !== undefined
    ? {
        resourceRules,
        nonResourceRules,
        incomplete: true,
        evaluationError: "node authorizer does not support user rule resolution",
      }
    : { resourceRules, nonResourceRules, incomplete: false };
}

function userInfo(id: Identity): UserInfo {
  const sa = id.serviceAccount;
  const extra: Record<string, string[]> = { ...id.extra };
  if (sa?.pod) {
    extra["authentication.kubernetes.io/pod-name"] = [sa.pod.name];
    extra["authentication.kubernetes.io/pod-uid"] = [sa.pod.uid];
  }
  const uid = id.uid ?? sa?.uid;
  return {
    username: id.user,
    ...(uid ? { uid } : {}),
    groups: id.groups,
    ...(Object.keys(extra).length > 0 ? { extra } : {}),
  };
}
