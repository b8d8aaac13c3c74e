import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];
export type JobLogSummary = Schemas['JobLogSummary'];
export type JobLog = Schemas['JobLog'];

const KEY = 'tenantry.key';

/**
 * The API key lives in this tab's session storage: never in a URL, a cookie or a log. Signing
 * in with "keep me signed in" also keeps it in this browser's local storage, so new tabs and
 * links opened in them start signed in; signing out (or a key that stops working) removes both.
 */
export const keyStore = {
  get: (): string | null => sessionStorage.getItem(KEY) ?? localStorage.getItem(KEY),
  /** This tab's key only. */
  tab: (): string | null => sessionStorage.getItem(KEY),
  set: (key: string) => sessionStorage.setItem(KEY, key),
  remember: (key: string) => localStorage.setItem(KEY, key),
  /** The key kept in this browser goes, when it is `key` (or any, without one). */
  forget: (key?: string | null) => {
    if (key === undefined || localStorage.getItem(KEY) === key) localStorage.removeItem(KEY);
  },
  /** This tab forgets its key (the browser's kept one stays). */
  clearTab: () => sessionStorage.removeItem(KEY),
};

/** A problem+json answer (or a network failure) as the pages show it. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  /** The request field the problem names (`field` of the problem+json), when it names one. */
  readonly field: string | undefined;
  constructor(status: number, code: string, title: string, detail: string, field?: string) {
    super(detail);
    this.status = status;
    this.code = code;
    this.title = title;
    this.field = field;
  }
}

export function toApiError(response: Response | undefined, body: unknown): ApiError {
  const problem = (body ?? {}) as { code?: string; title?: string; detail?: string; field?: unknown };
  if (!response) return new ApiError(0, 'network', 'Network error', 'the server could not be reached');
  return new ApiError(
    response.status,
    problem.code ?? `http_${response.status}`,
    problem.title ?? response.statusText,
    problem.detail ?? `the server answered ${response.status}`,
    typeof problem.field === 'string' ? problem.field : undefined,
  );
}

/** Who signs out when a key stops working (401, or its tenant is suspended). */
let onUnauthorized: ((error: ApiError) => void) | undefined;
export const setUnauthorizedHandler = (handler: (error: ApiError) => void) => {
  onUnauthorized = handler;
};

/** Signs the session out when `error` says its key no longer works; true when it did. */
export function keyRefused(error: ApiError): boolean {
  if (error.status !== 401 && error.code !== 'tenant_unavailable') return false;
  onUnauthorized?.(error);
  return true;
}

export function authHeaders(key = keyStore.get()): Record<string, string> {
  return key ? { authorization: `Bearer ${key}` } : {};
}

const auth: Middleware = {
  onRequest({ request }) {
    const key = keyStore.get();
    if (key) request.headers.set('authorization', `Bearer ${key}`);
    return request;
  },
};

/** The typed client of the API, generated from its own OpenAPI document (schema.d.ts). */
export const api = createClient<paths>({ baseUrl: location.origin });
api.use(auth);

/** Unwraps an openapi-fetch result: the data, or an ApiError thrown. */
export async function call<T>(
  promise: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await promise;
  } catch {
    throw toApiError(undefined, undefined);
  }
  if (result.error !== undefined || !result.response.ok) {
    const error = toApiError(result.response, result.error);
    keyRefused(error);
    throw error;
  }
  return result.data as T;
}

/**
 * Downloads with the key in a header (a link cannot carry it), then hands the file to the
 * browser under `filename`.
 */
export async function downloadWithKey(url: string, filename: string): Promise<void> {
  const response = await fetch(url, { headers: authHeaders() });
  if (!response.ok) throw toApiError(response, await response.json().catch(() => undefined));
  const objectUrl = URL.createObjectURL(await response.blob());
  const a = document.createElement('a');
  a.href = objectUrl;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(objectUrl), 60_000);
}
