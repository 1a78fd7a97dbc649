import { ERRORS } from '../errors/api-errors.js'

/**
 * How recent a HelseID login must be to break the glass (issue 24): the
 * portal sends the user through HelseID with prompt=login and this max_age,
 * and the grant follows within the window. Five minutes: long enough to type
 * the reason after coming back, too short for a colleague at a forgotten
 * screen.
 */
export const EMERGENCY_REAUTH_SECONDS = 300

/**
 * Refuses (401 `reauthentication-required`) unless `authTime` (when the user
 * last proved who they are) is within `maxAgeSeconds` of `now`. Wall clock,
 * as the session (docs/decisions/0014).
 */
export function assertRecentAuth(authTime: Date, maxAgeSeconds: number, now: Date = new Date()): void {
  if (now.getTime() - authTime.getTime() <= maxAgeSeconds * 1000) return
  throw new ERRORS.reauthenticationRequired(String(maxAgeSeconds))
}
