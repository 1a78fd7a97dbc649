import { ApiError, requestJson } from './http'
import type { SessionInfo, TenantChoice } from '@varde/api-contract'

/** POST /api/session → 204; rejects with ApiError `invalid-credentials` (401) or `too-many-attempts` (429). */
export function logIn(username: string, password: string): Promise<void> {
  return requestJson<void>('POST', '/api/session', {
    body: { username, password },
    isUnauthorizedExpected: true,
  })
}

/** GET /api/session → the logged-in user, or null when there is no session. */
export async function getSession(signal?: AbortSignal): Promise<SessionInfo | null> {
  try {
    return await requestJson<SessionInfo>('GET', '/api/session', {
      isUnauthorizedExpected: true,
      ...(signal ? { signal } : {}),
    })
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null
    throw error
  }
}

/** DELETE /api/session → 204. */
export function logOut(): Promise<void> {
  return requestJson<void>('DELETE', '/api/session', { isUnauthorizedExpected: true })
}

export interface LoginOptions {
  helseId: { isDemo: boolean } | null
  /** Patients' login (issue 25); absent from a server before it. */
  idPorten?: { isDemo: boolean } | null
}

/** GET /api/login-options: HelseID (staff) and ID-porten (patients) beside the password, when configured. */
export function getLoginOptions(): Promise<LoginOptions> {
  return requestJson<LoginOptions>('GET', '/api/login-options')
}

/** POST /api/session/idporten/logout: ends a patient's session; where to send the browser to end ID-porten's too (single logout). */
export async function logOutOfIdPorten(): Promise<string | null> {
  const { redirectTo } = await requestJson<{ redirectTo: string | null }>('POST', '/api/session/idporten/logout', { isUnauthorizedExpected: true })
  return redirectTo
}

/** POST /api/session/helseid/logout: ends the session; where to send the browser to end HelseID's too (single logout). */
export async function logOutOfHelseId(): Promise<string | null> {
  const { redirectTo } = await requestJson<{ redirectTo: string | null }>('POST', '/api/session/helseid/logout', { isUnauthorizedExpected: true })
  return redirectTo
}

/** GET /api/session/tenant-choice: the tenants a person who is a user in several may pick after a HelseID login (issue 24). */
export function getTenantChoice(): Promise<TenantChoice> {
  return requestJson<TenantChoice>('GET', '/api/session/tenant-choice', { isUnauthorizedExpected: true })
}

/** POST /api/session/tenant-choice → 204: the session opens for that tenant alone; 403 `tenant-choice-expired` otherwise. */
export function chooseTenant(tenantId: string): Promise<void> {
  return requestJson<void>('POST', '/api/session/tenant-choice', { body: { tenantId }, isUnauthorizedExpected: true })
}
