/** The collector framework: one HTTP client, one validation path, one window planner, one runner. */
export { FetchError, isRetryable, isAbort, errorMessage, type FetchErrorKind } from './errors.js';
export { parseJsonBody, parseShape, formatPath } from './json.js';
export { planWindows, mergeIntervals } from './windows.js';
export { RequestLimiter, abortableSleep, type Sleep } from './limiter.js';
export {
  createHttpClient,
  httpClientFromConfig,
  sourceConfig,
  buildUrl,
  parseRetryAfter,
  backoffDelay,
  userAgent,
  type HttpClient,
  type HttpClientOptions,
  type Query,
  type TextResponse,
  type JsonResponse,
  type RequestOptions,
} from './http.js';
export { pointStoreOf, type CollectStore } from './store.js';
export {
  runCollection,
  planUncovered,
  countWindows,
  type RunnerArgs,
  type SignalGroup,
  type WindowTask,
  type WindowData,
} from './runner.js';
