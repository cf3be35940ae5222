// The agent's offline state: what it needs to run its pods with the control plane unreachable.

export { type Assignments, OfflineState, type OfflineStateOptions } from "./offline-state.ts";
export {
  type OfflineSnapshot,
  readStateFile,
  STATE_SCHEMA_VERSION,
  StateFileError,
  writeStateFile,
} from "./state-file.ts";
