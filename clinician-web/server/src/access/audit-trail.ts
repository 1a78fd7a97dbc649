import { auditBatcherOf, recordAccesses, type AccessEntry, type AuditContext, type Queryable } from '@varde/db'
import type { Actor } from './actor.js'

export type TrailEntry = Omit<AccessEntry, 'tenantId' | 'actorUserId' | 'actor' | 'context'>

/** Where a request came from, for the access log (issue 19: from where). */
export interface Origin {
  ip?: string
  /** The client: the user agent of a browser, a machine client's id, `cli`, `node-red`. */
  client?: string
}

/**
 * The access log (tilgangslogg) as the actor writes it: each call is one
 * statement, so a method that calls it once leaves one record of what it did
 * (`many`: a list that shows several patients, one row per patient, so the
 * log of each patient says who saw it). Every entry says who (user, role,
 * organisation, HPR: the chain trigger looks it up), why (purpose of use)
 * and from where (migration 0020). On a pool the entries go through the
 * process's AuditBatcher (one insert per tenant in flight, the rest batched);
 * the caller still waits for its entry to be stored.
 */
export interface AuditTrail {
  one(entry: TrailEntry): Promise<void>
  many(entries: TrailEntry[]): Promise<void>
}

export function auditContextOf(actor: Actor, origin: Origin): AuditContext {
  return {
    role: actor.roles.join(','), organisation: actor.organisation ?? actor.helseId?.organisation ?? null, purpose: actor.purpose ?? defaultPurpose(actor),
    ip: origin.ip ?? null, client: origin.client?.slice(0, 200) ?? null,
    // a HelseID login names the HPR number it carried (issue 24); else the trigger takes the user's own (migration 0020)
    ...(actor.helseId?.hprNumber ? { hpr: actor.helseId.hprNumber } : {}),
  }
}

/** The purpose of use when the caller does not say (the actor's kind and role). */
function defaultPurpose(actor: Actor): string {
  if (actor.kind === 'patient' || actor.roles.includes('patient')) return 'patient'
  if (actor.kind === 'service') return 'service'
  if (actor.roles.includes('privacy-officer')) return 'control'
  if (actor.roles.includes('admin')) return 'admin'
  return 'care'
}

export function auditTrail(pool: Queryable, db: Queryable, actor: Actor, context: AuditContext): AuditTrail {
  // a HelseID login's grounds go with each entry (issue 24): who, on what security level, for which organisation and purpose
  const grounds = actor.helseId ? { helseid: actor.helseId } : null
  const as = (e: TrailEntry): AccessEntry => ({
    ...e, tenantId: actor.tenantId, actorUserId: actor.userId, actor: actor.username, context, ...(grounds ? { details: { ...e.details, ...grounds } } : {}),
  })
  const batcher = auditBatcherOf(pool)
  const write = (entries: AccessEntry[]) => (batcher ? batcher.write(entries) : recordAccesses(db, entries))
  return {
    one: (entry) => write([as(entry)]),
    many: (entries) => write(entries.map(as)),
  }
}
