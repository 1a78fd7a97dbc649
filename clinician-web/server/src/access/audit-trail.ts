import { recordAccess, recordAccesses, type AccessEntry, type Queryable } from '@varde/db'
import type { Actor } from './actor.js'

export type TrailEntry = Omit<AccessEntry, 'tenantId' | 'actorUserId' | 'actor'>

/**
 * The access log (tilgangslogg) as the actor writes it: each call is one
 * statement, so a method that calls it once leaves one record of what it did
 * (`many`: a list that shows several patients, one row per patient, so the
 * log of each patient says who saw it).
 */
export interface AuditTrail {
  one(entry: TrailEntry): Promise<void>
  many(entries: TrailEntry[]): Promise<void>
}

export function auditTrail(db: Queryable, actor: Actor): AuditTrail {
  // a HelseID login's grounds go with each entry (issue 24): who, on what security level, for which organisation and purpose
  const grounds = actor.helseId ? { helseid: actor.helseId } : {}
  const as = (e: TrailEntry): AccessEntry => ({
    ...e, tenantId: actor.tenantId, actorUserId: actor.userId, actor: actor.username, ...(actor.helseId ? { details: { ...e.details, ...grounds } } : {}),
  })
  return {
    one: (entry) => recordAccess(db, as(entry)),
    many: (entries) => recordAccesses(db, entries.map(as)),
  }
}
