import type { DbActor, SessionUser } from '@varde/db'

/**
 * Who is acting, one type for every caller (issue 15): a staff member from a
 * session today; the patient, a service (Node-RED, the CLI) and a machine
 * client of another organisation next. It replaces the three actor shapes of
 * packages/db (AlertActor, CareActor, ProvisioningActor), now one
 * (`DbActor`), which the access layer alone builds from it (`dbActorOf`).
 */
export interface Actor {
  kind: 'staff' | 'patient' | 'service' | 'client'
  tenantId: string
  /** null for a service that is no user (the CLI). */
  userId: string | null
  /** The name written to the access log. */
  username: string
  /** The name shown to colleagues (a change's author). */
  displayName: string
  roles: readonly string[]
  /** The caller's organisation, for a client of another (an outside GP's system). */
  organisation?: string
  /** Why the caller reads (the purpose of use), when it says. */
  purpose?: string
}

export const staffActor = (user: SessionUser): Actor => ({
  kind: 'staff', tenantId: user.tenantId, userId: user.userId, username: user.username, displayName: user.displayName, roles: [user.role],
})

/** The actor as packages/db's statements take it (one shape for every write, issue 15). */
export const dbActorOf = (actor: Actor): DbActor => ({ tenantId: actor.tenantId, userId: actor.userId, username: actor.username })

export const hasRole = (actor: Actor, roles: readonly string[]): boolean => actor.roles.some((r) => roles.includes(r))
