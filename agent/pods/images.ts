// Making sure a container's image is on the node, per imagePullPolicy as upstream: Never uses only
// what is present, IfNotPresent pulls when absent, Always asks the registry every time a container
// starts (the runtime's pull is cheap when the digest did not change). A failed pull is
// ErrImagePull; further starts within the back-off are ImagePullBackOff without touching the
// registry, and the wait doubles per failure up to its cap.

import type { Container } from "../../schemas/core/container.ts";
import type { Pod } from "../../schemas/core/pod.ts";
import { type ContainerRuntime, type ImageAuth, RuntimeError } from "../runtime/types.ts";
import type { Backoff } from "./backoff.ts";
import type { Clock } from "./clock.ts";
import type { Recorder } from "./events.ts";
import { goDuration, goQuote } from "./go-format.ts";

export type EnsureImageResult = { imageRef: string } | { reason: string; message: string };

/** The tag an image names: "latest" when it names none and has no digest. */
export function imageTag(image: string): string {
  const at = image.indexOf("@");
  const name = at >= 0 ? image.slice(0, at) : image;
  const colon = name.lastIndexOf(":");
  const tag = colon > name.lastIndexOf("/") ? name.slice(colon + 1) : "";
  return !tag && at < 0 ? "latest" : tag;
}

/** The API server's default: Always for ":latest" (or no tag), IfNotPresent otherwise. */
export function pullPolicyOf(container: Container): string {
  if (container.imagePullPolicy) return container.imagePullPolicy;
  return imageTag(container.image ?? "") === "latest" ? "Always" : "IfNotPresent";
}

export class ImageManager {
  private readonly lastErrors = new Map<string, string>();
  private readonly runtime: ContainerRuntime;
  private readonly clock: Clock;
  private readonly backoff: Backoff;
  private readonly recorder: Recorder;

  constructor(runtime: ContainerRuntime, clock: Clock, backoff: Backoff, recorder: Recorder) {
    this.runtime = runtime;
    this.clock = clock;
    this.backoff = backoff;
    this.recorder = recorder;
  }

  private key(pod: Pod, image: string): string {
    return `${pod.metadata.uid ?? ""}/${image}`;
  }

  /** When the current image pull back-off of this container ends (to wake the pod then). */
  backoffEnds(pod: Pod, container: Container): number | undefined {
    return this.backoff.until(this.key(pod, container.image ?? ""));
  }

  async ensure(
    pod: Pod,
    container: Container,
    fieldPath: string,
    auth: ImageAuth | undefined,
    /** The pod's RuntimeClass handler: which runtime's image store. */
    handler?: string,
  ): Promise<EnsureImageResult> {
    const image = container.image ?? "";
    const policy = pullPolicyOf(container);
    const event = (type: "Normal" | "Warning", reason: string, message: string): void =>
      this.recorder.event(pod, type, reason, message, fieldPath);
    let present: string | undefined;
    try {
      present = await this.runtime.imageStatus(image, handler);
    } catch (err) {
      const message = `Failed to inspect image ${goQuote(image)}: ${errorText(err)}`;
      event("Warning", "InspectFailed", message);
      return {
        reason: err instanceof RuntimeError && err.reason === "InvalidImageName" ? err.reason : "ImageInspectError",
        message,
      };
    }
    if (policy === "Never") {
      if (present) return { imageRef: present };
      const message = `Container image ${goQuote(image)} is not present with pull policy of Never`;
      event("Warning", "ErrImageNeverPull", message);
      return { reason: "ErrImageNeverPull", message };
    }
    if (present && policy === "IfNotPresent") {
      event("Normal", "Pulled", `Container image ${goQuote(image)} already present on machine`);
      return { imageRef: present };
    }
    const key = this.key(pod, image);
    if (this.backoff.isInBackOffSinceUpdate(key)) {
      event("Normal", "BackOff", `Back-off pulling image ${goQuote(image)}`);
      const last = this.lastErrors.get(key);
      const message = `Back-off pulling image ${goQuote(image)}${last ? `: ErrImagePull: ${last}` : ""}`;
      return { reason: "ImagePullBackOff", message };
    }
    event("Normal", "Pulling", `Pulling image ${goQuote(image)}`);
    const started = this.clock.now();
    try {
      const imageRef = await this.runtime.pullImage(image, auth, handler);
      const took = goDuration(this.clock.now() - started);
      event("Normal", "Pulled", `Successfully pulled image ${goQuote(image)} in ${took} (${took} including waiting)`);
      this.backoff.reset(key);
      this.lastErrors.delete(key);
      return { imageRef };
    } catch (err) {
      const message = errorText(err);
      event("Warning", "Failed", `Failed to pull image ${goQuote(image)}: ${message}`);
      if (err instanceof RuntimeError && err.reason === "InvalidImageName")
        return { reason: "InvalidImageName", message };
      this.backoff.next(key, this.clock.now());
      this.lastErrors.set(key, message);
      return { reason: "ErrImagePull", message };
    }
  }

  forgetPod(uid: string): void {
    this.backoff.forgetPrefix(`${uid}/`);
    for (const key of this.lastErrors.keys()) if (key.startsWith(`${uid}/`)) this.lastErrors.delete(key);
  }
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
