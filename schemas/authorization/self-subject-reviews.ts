// authorization.k8s.io/v1 SelfSubjectAccessReview and SelfSubjectRulesReview: what `kubectl auth
// can-i` asks. Created, answered and never stored.
// Field names and types are those of the Kubernetes v1.35 API types (k8s.io/api).

import { z } from "zod";
import { bool, freeform, str, strList, struct } from "../kit.ts";
import { kind } from "../meta.ts";

export const resourceAttributesSchema = struct("ResourceAttributes", {
  namespace: str,
  verb: str,
  group: str,
  version: str,
  resource: str,
  subresource: str,
  name: str,
  // Alpha upstream (AuthorizeWithSelectors); accepted, and not used to narrow the answer.
  fieldSelector: freeform,
  labelSelector: freeform,
});
export type ResourceAttributes = z.infer<typeof resourceAttributesSchema>;

export const nonResourceAttributesSchema = struct("NonResourceAttributes", {
  path: str,
  verb: str,
});
export type NonResourceAttributes = z.infer<typeof nonResourceAttributesSchema>;

export const subjectAccessReviewStatusSchema = struct("SubjectAccessReviewStatus", {
  allowed: bool,
  denied: bool,
  reason: str,
  evaluationError: str,
});
export type SubjectAccessReviewStatus = z.infer<typeof subjectAccessReviewStatusSchema>;

export const selfSubjectAccessReviewSchema = kind("SelfSubjectAccessReview", {
  spec: struct("SelfSubjectAccessReviewSpec", {
    resourceAttributes: resourceAttributesSchema,
    nonResourceAttributes: nonResourceAttributesSchema,
  }),
  status: subjectAccessReviewStatusSchema,
});
export type SelfSubjectAccessReview = z.infer<typeof selfSubjectAccessReviewSchema>;

export const resourceRuleSchema = struct("ResourceRule", {
  verbs: strList,
  apiGroups: strList,
  resources: strList,
  resourceNames: strList,
});
export type ResourceRule = z.infer<typeof resourceRuleSchema>;

export const nonResourceRuleSchema = struct("NonResourceRule", {
  verbs: strList,
  nonResourceURLs: strList,
});
export type NonResourceRule = z.infer<typeof nonResourceRuleSchema>;

export const selfSubjectRulesReviewSchema = kind("SelfSubjectRulesReview", {
  spec: struct("SelfSubjectRulesReviewSpec", { namespace: str }),
  status: struct("SubjectRulesReviewStatus", {
    resourceRules: z.array(resourceRuleSchema),
    nonResourceRules: z.array(nonResourceRuleSchema),
    incomplete: bool,
    evaluationError: str,
  }),
});
export type SelfSubjectRulesReview = z.infer<typeof selfSubjectRulesReviewSchema>;
