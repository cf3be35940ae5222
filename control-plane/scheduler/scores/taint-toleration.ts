// TaintToleration (score): fewer untolerated PreferNoSchedule taints is better; the node with the
// most gets 0 and a node with none 100.

import { tolerationsTolerate } from "../tolerations.ts";
import type { ScorePlugin } from "../types.ts";
import { defaultNormalize } from "./normalize.ts";

export const TAINT_TOLERATION_SCORE = "TaintToleration";

export const taintTolerationScore: ScorePlugin = {
  name: TAINT_TOLERATION_SCORE,
  weight: 3,
  prepare(pod) {
    // Only tolerations that can apply to PreferNoSchedule (that effect, or any effect) matter here.
    const tolerations = pod.tolerations.filter((t) => !t.effect || t.effect === "PreferNoSchedule");
    return {
      score(node) {
        let untolerated = 0;
        for (const taint of node.preferNoScheduleTaints) if (!tolerationsTolerate(tolerations, taint)) untolerated++;
        return untolerated;
      },
      normalize: (scores) => defaultNormalize(scores, true),
    };
  },
};
