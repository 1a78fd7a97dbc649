import { randomBytes } from 'node:crypto'
import type { JWK } from 'jose'
import { HELSEID_CLAIMS, HELSEID_SCOPES, LOGIN_SCOPES } from './claims.js'
import { startOidcStandIn, type LoginClient, type StandIn, type StandInBaseOptions } from './oidc-stand-in.js'
import { STAND_IN_PERSONNEL, type TestPerson } from './personnel.js'

export type { StandIn } from './oidc-stand-in.js'

/**
 * A local HelseID for demo mode and tests (issue 24; docs/decisions/0021):
 * the stand-in provider (oidc-stand-in.ts) configured as HelseID behaves
 * where Varde depends on it — HelseID's claim names, the trust framework's
 * `authorization_details`, and client credentials with DPoP-bound JWT access
 * tokens and server nonces. Its login page lists no one: a tester types a
 * test person's login (personnel.ts). It is not HelseID: no ID-porten behind
 * it, no HPR lookup.
 */
export interface StandInOptions extends StandInBaseOptions {
  loginClient: LoginClient
  /** System-to-system clients (client credentials, DPoP-bound tokens). */
  machineClients?: { clientId: string; publicJwk: JWK }[]
  /** The audience of machine clients' access tokens (the resource server, e.g. Pasientens måledata). */
  machineAudience?: string
  personnel?: readonly TestPerson[]
  /** Ask for a server nonce in every DPoP proof (HelseID does). Default true. */
  requireDpopNonce?: boolean
  /** Seconds a machine access token lives (default 300). */
  accessTokenTtlSeconds?: number
}

export async function startHelseIdStandIn(options: StandInOptions): Promise<StandIn> {
  const personnel = options.personnel ?? STAND_IN_PERSONNEL
  const machineAudience = options.machineAudience ?? 'nhn:pmd'
  const machineIds = new Set((options.machineClients ?? []).map((c) => c.clientId))
  const tokenTtl = options.accessTokenTtlSeconds ?? 300
  return startOidcStandIn(options, {
    name: 'HelseID',
    kid: 'stand-in-1',
    loginClient: options.loginClient,
    loginOf: (login) => (personnel.some((p) => p.login === login) ? { accountId: login } : undefined),
    page: {
      people: 'sykepleier, lege, fastlege, niva3 (sikkerhetsnivå 3), ukjent (uten HPR-nummer)',
      style: 'body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#1a1a1a}label,input,button{display:block;font-size:1rem;margin:.5rem 0}input{padding:.5rem;width:100%;box-sizing:border-box}button{padding:.6rem 1.2rem;background:#0b5394;color:#fff;border:0;border-radius:4px}p.problem{color:#a30000}',
    },
    configuration: {
      clients: (options.machineClients ?? []).map((c) => ({
        client_id: c.clientId,
        token_endpoint_auth_method: 'private_key_jwt' as const,
        jwks: { keys: [c.publicJwk as never] },
        redirect_uris: [],
        response_types: [],
        grant_types: ['client_credentials'],
        dpop_bound_access_tokens: true,
      })),
      scopes: ['openid', 'profile', ...LOGIN_SCOPES.slice(2), 'nhn:pmd'],
      claims: {
        openid: ['sub'],
        profile: ['name'],
        [HELSEID_SCOPES.hprNumber]: [HELSEID_CLAIMS.hprNumber],
        [HELSEID_SCOPES.pidPseudonym]: [HELSEID_CLAIMS.pidPseudonym],
        [HELSEID_SCOPES.securityLevel]: [HELSEID_CLAIMS.securityLevel],
        [HELSEID_SCOPES.trustFramework]: ['authorization_details'],
      },
      findAccount: (_ctx, id) => {
        const person = personnel.find((p) => p.login === id)
        if (!person) return undefined
        return {
          accountId: id,
          claims: () => ({
            sub: person.login,
            name: person.name,
            [HELSEID_CLAIMS.pidPseudonym]: person.pidPseudonym,
            [HELSEID_CLAIMS.securityLevel]: person.securityLevel,
            ...(person.hprNumber ? { [HELSEID_CLAIMS.hprNumber]: person.hprNumber } : {}),
            ...(person.trustFramework ? { authorization_details: person.trustFramework } : {}),
          }),
        }
      },
      ttl: { AccessToken: tokenTtl, ClientCredentials: tokenTtl, IdToken: 300, Interaction: 600, Session: 12 * 3600, Grant: 12 * 3600, AuthorizationCode: 60 },
      features: {
        clientCredentials: { enabled: true },
        dPoP: { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => options.requireDpopNonce ?? true },
        resourceIndicators: {
          enabled: true,
          defaultResource: (_ctx, client) => (machineIds.has(client.clientId) ? machineAudience : undefined),
          useGrantedResource: () => false,
          getResourceServerInfo: (_ctx, resource) => {
            if (resource !== machineAudience) throw new Error(`unknown resource ${resource}`)
            return { scope: 'nhn:pmd', audience: machineAudience, accessTokenFormat: 'jwt', accessTokenTTL: tokenTtl, jwt: { sign: { alg: 'RS256' } } }
          },
        },
      },
    },
  })
}
