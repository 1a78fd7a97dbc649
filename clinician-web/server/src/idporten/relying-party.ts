import { citizenOf, ID_PORTEN_SCOPES, type CitizenIdentity } from '@varde/helseid'
import * as oidc from 'openid-client'
import { discover, reasonOf, type LoginTransaction, type RelyingPartyOptions } from '../helseid/relying-party.js'

/**
 * Varde as ID-porten's relying party for patients (issue 25;
 * docs/decisions/0039), with the same library and checks as the HelseID
 * login (`openid-client` 6: code flow with PKCE S256, state, nonce,
 * `private_key_jwt`, the ID token's signature, issuer, audience, nonce and
 * expiry checked before a claim is read). It asks for the level the tenant
 * wants at least (`acr_values`), and reads `pid` and `acr` from the checked
 * token; the session decides whether the level is enough (credentials.ts).
 */
export type IdPortenOptions = RelyingPartyOptions

export interface FinishedCitizenLogin { identity: CitizenIdentity; idToken: string; authTime: Date }

export interface IdPortenRelyingParty {
  start(options: { returnTo: string; origin: string }): Promise<{ url: string; transaction: LoginTransaction }>
  finish(callbackPath: string, transaction: LoginTransaction): Promise<FinishedCitizenLogin | { failure: 'idporten-login-failed'; reason: string }>
  endSessionUrl(idToken: string | null, origin: string): Promise<string | null>
}

export function createIdPortenRelyingParty(options: IdPortenOptions): IdPortenRelyingParty {
  let config: Promise<oidc.Configuration> | undefined
  const configuration = (): Promise<oidc.Configuration> => {
    config ??= discover(options).catch((error: unknown) => { config = undefined; throw error })
    return config
  }
  const [fallback = ''] = options.redirectUris
  const redirectUriFor = (origin: string) => options.redirectUris.find((u) => new URL(u).origin === origin) ?? fallback
  return {
    async start({ returnTo, origin }) {
      const c = await configuration()
      const transaction: LoginTransaction = {
        state: oidc.randomState(), nonce: oidc.randomNonce(), codeVerifier: oidc.randomPKCECodeVerifier(), returnTo, redirectUri: redirectUriFor(origin),
      }
      const url = oidc.buildAuthorizationUrl(c, {
        redirect_uri: transaction.redirectUri,
        scope: ID_PORTEN_SCOPES.join(' '),
        state: transaction.state,
        nonce: transaction.nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(transaction.codeVerifier),
        code_challenge_method: 'S256',
        // health data: ask for high (BankID and the like); the answer's acr is checked against the tenant's least all the same
        acr_values: 'idporten-loa-high',
        ui_locales: 'nb',
      })
      return { url: url.href, transaction }
    },

    async finish(callbackPath, transaction) {
      const c = await configuration()
      if (!options.redirectUris.includes(transaction.redirectUri)) return { failure: 'idporten-login-failed', reason: 'callback address not registered' }
      let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>
      try {
        tokens = await oidc.authorizationCodeGrant(c, new URL(callbackPath, transaction.redirectUri), {
          pkceCodeVerifier: transaction.codeVerifier, expectedState: transaction.state, expectedNonce: transaction.nonce, idTokenExpected: true,
        })
      } catch (error) {
        return { failure: 'idporten-login-failed', reason: reasonOf(error) }
      }
      const claims = tokens.claims()
      if (!claims || !tokens.id_token) return { failure: 'idporten-login-failed', reason: 'no ID token' }
      const read = citizenOf(claims)
      if ('problem' in read) return { failure: read.problem, reason: read.reason }
      const authTime = typeof claims.auth_time === 'number' ? new Date(claims.auth_time * 1000) : new Date(claims.iat * 1000)
      return { identity: read.identity, idToken: tokens.id_token, authTime }
    },

    async endSessionUrl(idToken, origin) {
      const c = await configuration()
      if (!c.serverMetadata().end_session_endpoint) return null
      return oidc.buildEndSessionUrl(c, {
        post_logout_redirect_uri: new URL('/login', redirectUriFor(origin)).href,
        ...(idToken ? { id_token_hint: idToken } : {}),
      }).href
    },
  }
}
