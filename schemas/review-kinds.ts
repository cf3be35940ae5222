// The schemas of the review kinds (registry.ts REVIEWS), by kind: what the Worker decodes their
// bodies with and what OpenAPI publishes for them.

import type { z } from "zod";
import { selfSubjectReviewSchema } from "./authentication/self-subject-review.ts";
import { selfSubjectAccessReviewSchema, selfSubjectRulesReviewSchema } from "./authorization/self-subject-reviews.ts";
import type { KubeObject } from "./object.ts";

const SCHEMAS: ReadonlyMap<string, z.ZodType<KubeObject>> = new Map<string, z.ZodType<KubeObject>>([
  ["SelfSubjectAccessReview", selfSubjectAccessReviewSchema as z.ZodType<KubeObject>],
  ["SelfSubjectRulesReview", selfSubjectRulesReviewSchema as z.ZodType<KubeObject>],
  ["SelfSubjectReview", selfSubjectReviewSchema as z.ZodType<KubeObject>],
]);

export function reviewSchema(kind: string): z.ZodType<KubeObject> | undefined {
  return SCHEMAS.get(kind);
}
