import type { FastifyRequest } from 'fastify'
import { assertRecentAuth } from '../access/recent-auth.js'
import { userOf } from './auth.js'

/**
 * Refuses (401 `reauthentication-required`) unless the user proved who they
 * are within `maxAgeSeconds` (the session's authTime; issue 24): emergency
 * access calls it first. The portal then logs the user in again: a HelseID
 * session through `GET /api/session/helseid?maxAge=<s>&returnTo=<page>`,
 * which asks HelseID for `prompt=login` and checks the new ID token's
 * `auth_time` against `max_age`; a password session with the password
 * (`POST /api/session`). Either opens a new session with a fresh authTime.
 * Wall clock, as the session (docs/decisions/0014). Emergency access checks
 * the same rule in the access layer (access/emergency.ts), which logs a refusal.
 */
export function requireRecentAuth(request: FastifyRequest, maxAgeSeconds: number, now: Date = new Date()): void {
  assertRecentAuth(userOf(request).authTime, maxAgeSeconds, now)
}

/** Where the portal sends a HelseID user to log in again before `returnTo`. */
export const reauthenticationPath = (maxAgeSeconds: number, returnTo: string): string =>
  `/api/session/helseid?${new URLSearchParams({ maxAge: String(maxAgeSeconds), returnTo })}`
