import type { Queryable } from '@varde/db'
import { ApiFailure, apiCodeOf } from '../errors/api-errors.js'
import { createAccess, type Access } from './access.js'
import type { Actor } from './actor.js'

/**
 * The access layer for a service that is no user (issue 15): the gateway CLI
 * today, Node-RED next. The same door as a request's (`createAccess`): the
 * same checks, the same coded errors, an access-log entry for every read and
 * write, under the service's name (`cli:<os user>`). Its roles are given by
 * whoever starts it, not by a session: only a process the operator runs on
 * the platform's host may build one.
 */
export function serviceAccess(
  db: Queryable, service: { tenantId: string; username: string; roles: readonly string[] }, operation: string,
): Access {
  const actor: Actor = {
    kind: 'service', tenantId: service.tenantId, userId: null, username: service.username, displayName: service.username, roles: service.roles,
  }
  return createAccess(db, actor, () => ({ method: 'SERVICE', route: operation }), { client: service.username.split(':')[0] })
}

/** The code of the access layer's coded error (errors/api-errors.ts: `not-found` …), or null for anything else. */
export function accessFailureCode(error: unknown): string | null {
  return error instanceof ApiFailure && typeof (error as { code?: unknown }).code === 'string' ? apiCodeOf(error as ApiFailure & { code: string }) : null
}
