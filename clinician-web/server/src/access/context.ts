import type { Queryable } from '@varde/db'
import type { Actor } from './actor.js'
import type { AuditTrail } from './audit-trail.js'

/** What every part of the access layer is built from, once per request. */
export interface AccessContext {
  db: Queryable
  actor: Actor
  audit: AuditTrail
  /** The request's method and route, for the log entry of a refusal. */
  where(): { method: string; route: string | undefined }
}

/** The session user's id, which every staff query is scoped by. */
export function userIdOf(actor: Actor): string {
  if (actor.userId === null) throw new Error(`actor ${actor.username} has no user id; this read is for users only`)
  return actor.userId
}
