// The endpoint controllers' pure plans: EndpointSlices (what kflare's proxy and DNS read) and the
// legacy Endpoints object (for old clients).

export { planEndpoints } from "./endpoints-plan.ts";
export { podChangeMatters, servicesForPod } from "./keys.ts";
export { MANAGED_BY, MANAGED_BY_LABEL, planEndpointSlices, SERVICE_NAME_LABEL } from "./slice-plan.ts";
