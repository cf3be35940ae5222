// Event recording and expiry plans (client-go's recorder, kube-apiserver's event TTL).
export { lastWriteTime, planEventExpiry } from "./expiry.ts";
export {
  DEFAULT_EVENT_TTL_MS,
  dedupKey,
  eventDedupKey,
  involvedObjectOf,
  type RecordOptions,
  recordEvent,
  unixNanosHex,
} from "./recorder.ts";
export { earliest, parseTime, rfc3339 } from "./time.ts";
