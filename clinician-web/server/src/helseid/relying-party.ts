import { identityOf, LOGIN_SCOPES, type HelseIdIdentity } from '@varde/helseid'
import { importJWK, type CryptoKey, type JWK } from 'jose'
import * as oidc from 'openid-client'

/**
 * Varde as HelseID's relying party (issue 24; docs/decisions/0021), with
 * `openid-client` 6 (OpenID certified): authorization code with PKCE (S256),
 * state and nonce, `private_key_jwt` at the token endpoint, the ID token
 * checked by the library (signature, issuer, audience, nonce, expiry,
 * auth_time against max_age) before anything here reads it.
 */
export interface RelyingPartyOptions {
  issuer: string
  clientId: string
  /** The private JWK of `private_key_jwt`. */
  clientJwk: Record<string, unknown>
  /**
   * The callback's addresses as registered at the provider, one per origin
   * the portal is reached by (demo: 127.0.0.1 and localhost); the first is
   * the default. The browser returns to the origin it left from, where its
   * login cookie is. After logout the provider sends it to that origin's /login.
   */
  redirectUris: string[]
}

/** What the browser carries between the start and the callback (an HttpOnly cookie; nothing secret to the user). */
export interface LoginTransaction {
  state: string
  nonce: string
  codeVerifier: string
  /** Set when a fresh login was asked for (before emergency access): the ID token's auth_time must be this recent. */
  maxAge?: number
  returnTo: string
  redirectUri: string
}

export interface FinishedLogin { identity: HelseIdIdentity; idToken: string; authTime: Date }
export type LoginFailure = 'helseid-login-failed' | 'trust-framework-invalid'

export interface RelyingParty {
  /** The registered callback address for a request from `origin`. */
  redirectUriFor(origin: string): string
  start(options: { maxAge?: number; returnTo: string; origin: string }): Promise<{ url: string; transaction: LoginTransaction }>
  /** `callbackPath`: the callback request's path and query. */
  finish(callbackPath: string, transaction: LoginTransaction): Promise<FinishedLogin | { failure: LoginFailure; reason: string }>
  endSessionUrl(idToken: string | null, origin: string): Promise<string | null>
}

export function createRelyingParty(options: RelyingPartyOptions): RelyingParty {
  let config: Promise<oidc.Configuration> | undefined
  // discovered at first use (the provider may start after Varde), again after a failure
  const configuration = (): Promise<oidc.Configuration> => {
    config ??= discover(options).catch((error: unknown) => { config = undefined; throw error })
    return config
  }
  const [fallback = ''] = options.redirectUris
  const redirectUriFor = (origin: string) => options.redirectUris.find((u) => new URL(u).origin === origin) ?? fallback
  return {
    redirectUriFor,
    async start({ maxAge, returnTo, origin }) {
      const c = await configuration()
      const transaction: LoginTransaction = {
        state: oidc.randomState(), nonce: oidc.randomNonce(), codeVerifier: oidc.randomPKCECodeVerifier(), returnTo, redirectUri: redirectUriFor(origin),
        ...(maxAge !== undefined ? { maxAge } : {}),
      }
      const url = oidc.buildAuthorizationUrl(c, {
        redirect_uri: transaction.redirectUri,
        scope: LOGIN_SCOPES.join(' '),
        state: transaction.state,
        nonce: transaction.nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(transaction.codeVerifier),
        code_challenge_method: 'S256',
        // a fresh login at the provider, not its single sign-on session (before emergency access)
        ...(maxAge !== undefined ? { max_age: String(maxAge), prompt: 'login' } : {}),
      })
      return { url: url.href, transaction }
    },

    async finish(callbackPath, transaction) {
      const c = await configuration()
      // the address the provider sent the browser to: one of ours (the transaction cookie is the browser's to change)
      if (!options.redirectUris.includes(transaction.redirectUri)) return { failure: 'helseid-login-failed', reason: 'callback address not registered' }
      const callbackUrl = new URL(callbackPath, transaction.redirectUri)
      let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>
      try {
        tokens = await oidc.authorizationCodeGrant(c, callbackUrl, {
          pkceCodeVerifier: transaction.codeVerifier,
          expectedState: transaction.state,
          expectedNonce: transaction.nonce,
          idTokenExpected: true,
          ...(transaction.maxAge !== undefined ? { maxAge: transaction.maxAge } : {}),
        })
      } catch (error) {
        return { failure: 'helseid-login-failed', reason: reasonOf(error) }
      }
      const claims = tokens.claims()
      if (!claims || !tokens.id_token) return { failure: 'helseid-login-failed', reason: 'no ID token' }
      const read = identityOf({ ...claims, authorization_details: claims.authorization_details ?? tokens.authorization_details })
      if ('problem' in read) return { failure: read.problem, reason: 'authorization_details do not follow the trust framework' }
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

/** The provider's metadata and Varde as its `private_key_jwt` client (the ID-porten login uses it too). */
export async function discover(options: Pick<RelyingPartyOptions, 'issuer' | 'clientId' | 'clientJwk'>): Promise<oidc.Configuration> {
  const issuer = new URL(options.issuer)
  const isLoopbackHttp = issuer.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(issuer.hostname)
  const key = await importJWK(options.clientJwk as JWK, algorithmOf(options.clientJwk)) as CryptoKey
  const clientKey = typeof options.clientJwk.kid === 'string' ? { key, kid: options.clientJwk.kid } : key
  return oidc.discovery(issuer, options.clientId, { id_token_signed_response_alg: 'RS256' }, oidc.PrivateKeyJwt(clientKey), {
    // plain http only for the loopback stand-in (configuration refuses it elsewhere)
    ...(isLoopbackHttp ? { execute: [oidc.allowInsecureRequests] } : {}),
    timeout: 10,
  })
}

/** The key's own alg, else HelseID's defaults for its type. */
function algorithmOf(jwk: Record<string, unknown>): string {
  if (typeof jwk.alg === 'string') return jwk.alg
  return jwk.kty === 'EC' ? ({ 'P-384': 'ES384', 'P-521': 'ES512' } as Record<string, string>)[String(jwk.crv)] ?? 'ES256' : 'RS256'
}

/** The library's words for what was wrong (for the log: no token, no claim value). */
export function reasonOf(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code
    return `${typeof code === 'string' ? `${code}: ` : ''}${error.message}`.slice(0, 300)
  }
  return 'unknown'
}
