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
  /**
   * What a HelseID login said (issue 24; docs/decisions/0021): the HPR
   * number, security level, organisation and the trust framework's
   * parameters. The access log writes it with every entry of the actor.
   */
  helseId?: ActorHelseId
  /** How and when a staff session's user last proved who they are: emergency access asks for a recent HelseID login (issue 24). */
  authentication?: { method: 'password' | 'helseid' | 'idporten'; time: Date }
}

export interface ActorHelseId {
  hprNumber: string | null
  securityLevel: number | null
  organisation: string | null
  trustFramework: unknown
}

export const staffActor = (user: SessionUser): Actor => ({
  kind: 'staff', tenantId: user.tenantId, userId: user.userId, username: user.username, displayName: user.displayName, roles: [user.role],
  authentication: { method: user.authMethod, time: user.authTime },
  ...(user.identity ? {
    helseId: { hprNumber: user.identity.hprNumber, securityLevel: user.identity.securityLevel, organisation: user.identity.organisation, trustFramework: user.identity.trustFramework ?? null },
  } : {}),
})

/** The actor as packages/db's statements take it (one shape for every write, issue 15). */
export const dbActorOf = (actor: Actor): DbActor => ({ tenantId: actor.tenantId, userId: actor.userId, username: actor.username })

export const hasRole = (actor: Actor, roles: readonly string[]): boolean => actor.roles.some((r) => roles.includes(r))

/**
 * A machine client of another organisation (SMART Backend Services, docs/decisions/0038):
 * its id stands where a user's would, so the care relationship of its organisation
 * decides what it sees (care-relationship.ts); the access log names it `client:<client_id>`.
 */
export const clientActor = (client: { id: string; tenantId: string; clientId: string; name: string; organisationNumber: string }): Actor => ({
  kind: 'client', tenantId: client.tenantId, userId: client.id, username: `client:${client.clientId}`, displayName: client.name,
  roles: ['system'], organisation: client.organisationNumber,
})
