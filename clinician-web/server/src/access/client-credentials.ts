import { findClientByToken, findFhirClient, issueClientToken, tenantWalledPool, useAssertionOnce, type FhirClient, type Queryable } from '@varde/db'
import { createLocalJWKSet, decodeJwt, errors as joseErrors, jwtVerify, type JWK } from 'jose'
import { ERRORS } from '../errors/api-errors.js'
import { createAccess, type Access } from './access.js'
import { clientActor } from './actor.js'
import type { AccessContext } from './context.js'
import { auditContextOf, auditTrail, type Origin } from './audit-trail.js'

/**
 * OAuth 2.0 client credentials with `private_key_jwt` for other systems
 * (SMART App Launch 2.x "Backend Services"; RFC 7523; docs/decisions/0038):
 * a registered client signs an assertion with its private key; Varde checks
 * it against the client's registered public keys (jose: a well-kept library,
 * no JWT code of our own), uses its jti once, and issues a short opaque access
 * token. A request with that token gets the access layer of a `client`
 * actor: the same door, checks and access log as a user's.
 */
export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
/** SMART Backend Services: servers SHALL support RS384 and ES384. */
const ALGORITHMS = ['RS384', 'ES384']
/** SMART: an assertion's exp is no more than five minutes in the future. */
const MAX_ASSERTION_LIFE_S = 300
const CLOCK_TOLERANCE_S = 30
export const ACCESS_TOKEN_TTL_S = 300
/** `system/*.read`, `system/Observation.read`, or SMART v2 `system/Observation.rs`. */
const SCOPE = /^system\/(\*|[A-Z][A-Za-z]{1,63})\.(read|c?r?u?d?s?)$/

export interface TokenRequest {
  grant_type?: string | undefined
  scope?: string | undefined
  client_assertion_type?: string | undefined
  client_assertion?: string | undefined
}
export interface TokenAnswer { access_token: string; token_type: 'bearer'; expires_in: number; scope: string }

export interface ClientCredentials {
  /** The token for a valid assertion (`audience`: the token endpoint's URL), or a coded refusal (invalid-client, invalid-grant …). */
  issue(request: TokenRequest, audience: string, origin: Origin): Promise<{ answer: TokenAnswer; clientId: string }>
  /** The access layer of the client whose live token this is, and the token's scopes; null for no such token. */
  accessOf(token: string, where: AccessContext['where'], origin: Origin): Promise<{ access: Access; scopes: string[] } | null>
}

export function clientCredentials(db: Queryable): ClientCredentials {
  return {
    async issue(request, audience, origin) {
      if (request.grant_type !== 'client_credentials') throw new ERRORS.clientGrantTypeUnsupported()
      if (request.client_assertion_type !== ASSERTION_TYPE || !request.client_assertion) {
        throw new ERRORS.clientRequestInvalid(`client_assertion_type must be ${ASSERTION_TYPE}, with a client_assertion`)
      }
      let claimed: string | undefined
      try {
        claimed = decodeJwt(request.client_assertion).iss
      } catch {
        throw new ERRORS.clientInvalid('client_assertion is not a JWT')
      }
      const client = claimed ? await findFhirClient(db, claimed) : null
      if (!client) throw new ERRORS.clientInvalid('Unknown client')
      // a known client's every request for a token is in its tenant's access log, granted or refused
      try {
        const answer = await grant(client, request.client_assertion, request.scope, audience)
        await logToken(client, origin, 'allowed', { scope: answer.scope })
        return { answer, clientId: client.clientId }
      } catch (error) {
        await logToken(client, origin, 'denied', { refusal: (error as { code?: string }).code ?? 'error' })
        throw error
      }
    },

    async accessOf(token, where, origin) {
      const holder = await findClientByToken(db, token)
      if (!holder) return null
      return { access: createAccess(db, clientActor(holder.client), where, { ...origin, client: holder.client.clientId }), scopes: holder.scopes }
    },
  }

  async function logToken(client: FhirClient, origin: Origin, outcome: 'allowed' | 'denied', details: Record<string, unknown>): Promise<void> {
    const actor = clientActor(client)
    const context = auditContextOf(actor, { ...origin, client: client.clientId })
    await auditTrail(db, tenantWalledPool(db, actor.tenantId, context), actor, context).one({ action: 'token', resourceType: 'Token', resourceId: null, patientId: null, outcome, details })
  }

  async function grant(client: FhirClient, assertion: string, scope: string | undefined, audience: string): Promise<TokenAnswer> {
    let payload
    try {
      ({ payload } = await jwtVerify(assertion, createLocalJWKSet(client.jwks as { keys: JWK[] }), {
        issuer: client.clientId, subject: client.clientId, audience, algorithms: ALGORITHMS, requiredClaims: ['exp', 'jti'], clockTolerance: CLOCK_TOLERANCE_S,
      }))
    } catch (error) {
      // an expired assertion is a grant no longer good; anything else (a key not registered, a bad signature, wrong claims) is the client's
      if (error instanceof joseErrors.JWTExpired) throw new ERRORS.clientGrantInvalid('The assertion has expired')
      throw new ERRORS.clientInvalid(`The assertion was refused (${(error as { code?: string }).code ?? 'invalid'})`)
    }
    const nowS = Date.now() / 1000
    if (payload.exp! > nowS + MAX_ASSERTION_LIFE_S + CLOCK_TOLERANCE_S) throw new ERRORS.clientGrantInvalid('The assertion\'s exp is more than five minutes ahead')
    if (!(await useAssertionOnce(db, client, payload.jti!, new Date(payload.exp! * 1000)))) throw new ERRORS.clientGrantInvalid('The assertion was used before (jti)')

    const asked = (scope ?? '').split(/\s+/).filter(Boolean)
    if (!asked.length || asked.some((s) => !SCOPE.test(s))) throw new ERRORS.clientScopeInvalid('scope must name system/<type>.read scopes')
    const granted = asked.filter((s) => client.scopes.some((allowed) => covers(allowed, s)))
    if (!granted.length) throw new ERRORS.clientScopeInvalid('None of the scopes asked for is granted to this client')
    const token = await issueClientToken(db, client, granted, ACCESS_TOKEN_TTL_S)
    return { access_token: token, token_type: 'bearer', expires_in: ACCESS_TOKEN_TTL_S, scope: granted.join(' ') }
  }
}

/** Whether a granted scope covers another (`system/*.read` covers `system/Observation.read`). */
function covers(allowed: string, asked: string): boolean {
  const a = SCOPE.exec(allowed)
  const b = SCOPE.exec(asked)
  if (!a || !b) return false
  return (a[1] === '*' || a[1] === b[1]) && [...permissionsOf(b[2]!)].every((p) => permissionsOf(a[2]!).has(p))
}
const permissionsOf = (p: string): Set<string> => new Set(p === 'read' ? ['r', 's'] : p.split(''))

/** Whether the scopes let the client read (`r`) or search (`s`) this resource type. */
export function scopesAllow(scopes: readonly string[], resourceType: string, interaction: 'r' | 's'): boolean {
  return scopes.some((s) => {
    const m = SCOPE.exec(s)
    return m !== null && (m[1] === '*' || m[1] === resourceType) && permissionsOf(m[2]!).has(interaction)
  })
}
