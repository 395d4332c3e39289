/** The closed sets of values, declared once: the schema, the zod schemas and the rules use these. */
export const CLIENT_KINDS = ["app", "carrier", "admin"] as const;
export const BINDING_STATUSES = ["active", "expired", "unbound"] as const;
export const END_REASONS = ["APP_UNBOUND", "INACTIVITY", "NUMBER_RECYCLED", "USER_REQUEST"] as const;
export const NUMBER_STATES = ["active", "suspended", "deactivated"] as const;
export const CARRIER_EVENT_TYPES = ["suspended", "deactivated", "reassigned", "reactivated", "ported"] as const;
export const APP_EVENT_TYPES = [
  "binding.expired",
  "binding.unbound",
  "number.deactivated",
  "endpoint.disabled",
] as const;
