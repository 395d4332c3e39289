// numbind/client: a typed client of the registry for apps and carriers (docs/client.md).
export { CLIENT_ASSERTION_TYPE, signClientAssertion, signWithJwk } from "./assertion.js";
export {
  type Binding,
  type BindingCheckResponse,
  type BindingListQuery,
  type CarrierEvent,
  type CarrierEventsResponse,
  type CheckRecycled,
  type CheckRecycledResult,
  type ClientOptions,
  createClient,
  type EventFeedQuery,
  type FeedEvent,
  type ImportLine,
  type ImportResult,
  type NumbindClient,
  type PutBinding,
} from "./client.js";
export { NumbindError, type NumbindErrorCode } from "./errors.js";
export type { components, paths } from "./schema.js";
export type { RetryPolicy } from "./transport.js";
