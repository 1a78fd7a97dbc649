/**
 * The one door to the HTTP API: same-origin JSON with the session cookie,
 * errors as ApiError carrying the server's `{ error: { code, message } }`.
 */

export class ApiError extends Error {
  override readonly name = 'ApiError'
  constructor(
    /** HTTP status; 0 when the server could not be reached. */
    readonly status: number,
    /** The server's error code (`invalid-credentials`, `not-found` ...), or `network` / `http-<status>`. */
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError
}

let unauthorizedHandler: (() => void) | null = null

/** Called when any request (other than a login attempt) answers 401: the session has ended. */
export function setUnauthorizedHandler(handler: (() => void) | null): void {
  unauthorizedHandler = handler
}

/** For a caller that expected a 401 of one kind and got another (the session ended): end it as any request would. */
export function reportUnauthorized(): void {
  unauthorizedHandler?.()
}

export interface RequestOptions {
  body?: unknown
  signal?: AbortSignal
  /** A 401 is an expected answer here (login, session probe), not an expired session. */
  isUnauthorizedExpected?: boolean
}

export async function requestJson<T>(
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  options: RequestOptions = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' }
  if (options.body !== undefined) headers['content-type'] = 'application/json'
  let response: Response
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    })
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error
    throw new ApiError(0, 'network', error instanceof Error ? error.message : 'Network error')
  }
  if (response.status === 401 && !options.isUnauthorizedExpected) unauthorizedHandler?.()
  if (!response.ok) throw await toApiError(response)
  if (response.status === 204) return undefined as T
  return (await response.json()) as T
}

async function toApiError(response: Response): Promise<ApiError> {
  try {
    const body = (await response.json()) as { error?: { code?: unknown; message?: unknown } }
    const code = typeof body.error?.code === 'string' ? body.error.code : `http-${response.status}`
    const message =
      typeof body.error?.message === 'string' ? body.error.message : response.statusText
    return new ApiError(response.status, code, message)
  } catch {
    return new ApiError(response.status, `http-${response.status}`, response.statusText)
  }
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError'
}
