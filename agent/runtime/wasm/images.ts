// Images of the wasm runtime: a pull resolves the reference at the registry, stores the component
// by digest and transpiles it (once per digest), so that creating a container needs no network and
// no jco. A reference pinned by digest that is already here is not fetched again.
import { digestReference, formatImageReference, parseImageReference } from "../image-reference.ts";
import { type ImageAuth, RuntimeError } from "../types.ts";
import { type PullOptions, pullWasmArtifact } from "./oci.ts";
import type { ImageRecord, WasmState } from "./state.ts";
import { isTranspiled, transpiled } from "./transpile.ts";

export class WasmImages {
  private readonly state: WasmState;
  private readonly options: PullOptions;

  constructor(state: WasmState, options: PullOptions) {
    this.state = state;
    this.options = options;
  }

  async pull(image: string, auth?: ImageAuth): Promise<ImageRecord> {
    const ref = parseImageReference(image);
    const reference = formatImageReference(ref);
    const known = this.present(reference);
    if (ref.digest !== undefined && known !== undefined) return known;
    const artifact = await pullWasmArtifact(ref, auth, this.state, this.options);
    const component = await transpiled(this.state, artifact.layer.digest);
    const record: ImageRecord = {
      reference,
      imageRef: digestReference(ref, artifact.manifestDigest),
      componentDigest: artifact.layer.digest,
      kind: component.kind,
      pulledAt: Date.now(),
    };
    this.state.writeImage(record);
    return record;
  }

  /** The image's record when it is usable here (component and transpiled output present). */
  status(image: string): ImageRecord | undefined {
    let reference: string;
    try {
      reference = formatImageReference(parseImageReference(image));
    } catch (error) {
      if (error instanceof RuntimeError) return undefined;
      throw error;
    }
    return this.present(reference);
  }

  private present(reference: string): ImageRecord | undefined {
    const record = this.state.readImage(reference);
    if (record === undefined) return undefined;
    if (!this.state.has(record.componentDigest) || !isTranspiled(this.state, record.componentDigest)) return undefined;
    return record;
  }
}
