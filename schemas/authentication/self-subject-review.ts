// authentication.k8s.io/v1 SelfSubjectReview: what `kubectl auth whoami` asks. Created, answered
// with the caller's user info and never stored.
// Field names and types are those of the Kubernetes v1.35 API types (k8s.io/api).

import { z } from "zod";
import { str, strList, struct } from "../kit.ts";
import { kind } from "../meta.ts";

export const userInfoSchema = struct("UserInfo", {
  username: str,
  uid: str,
  groups: strList,
  extra: z.record(z.string(), strList),
});
export type UserInfo = z.infer<typeof userInfoSchema>;

export const selfSubjectReviewSchema = kind("SelfSubjectReview", {
  status: struct("SelfSubjectReviewStatus", { userInfo: userInfoSchema }),
});
export type SelfSubjectReview = z.infer<typeof selfSubjectReviewSchema>;
