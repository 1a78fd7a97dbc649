import { importJWK, type CryptoKey, type JWK } from 'jose'
import * as oidc from 'openid-client'

/**
 * Varde as an OpenID provider's relying party, one module for every login
 * (HelseID for staff, docs/decisions/0021; ID-porten for patients, 0039), with
 * `openid-client` 6 (OpenID certified): authorization code with PKCE (S256),
 * state and nonce, `private_key_jwt` at the token endpoint, the ID token
 * checked by the library (signature, issuer, audience, nonce, expiry,
 * auth_time against max_age) before the provider's `identityOf` reads it.
 * What differs between providers is a `ProviderProfile`: the next provider is
 * one more profile, not one more copy of this flow.
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

type Tokens = Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>

/** How one provider differs: what to ask for, and who its checked ID token names. */
export interface ProviderProfile<Identity, Failure extends string> {
  /** The coded failure of a login that did not come through (the provider's answer, the callback address, no ID token). */
  failure: Failure
  scopes: readonly string[]
  /** Further parameters of the authorization request (acr_values, ui_locales). */
  authorizationParameters?: Record<string, string>
  /** The identity the checked ID token's claims name, or a coded problem. */
  identityOf(claims: oidc.IDToken, tokens: Tokens): { identity: Identity } | { problem: Failure; reason: string }
}

export interface FinishedLogin<Identity> { identity: Identity; idToken: string; authTime: Date }

export interface RelyingParty<Identity, Failure extends string> {
  /** The registered callback address for a request from `origin`. */
  redirectUriFor(origin: string): string
  start(options: { maxAge?: number; returnTo: string; origin: string }): Promise<{ url: string; transaction: LoginTransaction }>
  /** `callbackPath`: the callback request's path and query. */
  finish(callbackPath: string, transaction: LoginTransaction): Promise<FinishedLogin<Identity> | { failure: Failure; reason: string }>
  endSessionUrl(idToken: string | null, origin: string): Promise<string | null>
}

export function createOidcRelyingParty<Identity, Failure extends string>(
  options: RelyingPartyOptions, profile: ProviderProfile<Identity, Failure>,
): RelyingParty<Identity, Failure> {
  let config: Promise<oidc.Configuration> | undefined
  // discovered at first use (the provider may start after Varde), again after a failure
  const configuration = (): Promise<oidc.Configuration> => {
    config ??= discover(options).catch((error: unknown) => { config = undefined; throw error })
    return config
  }
  const [fallback = ''] = options.redirectUris
  const redirectUriFor = (origin: string) => options.redirectUris.find((u) => new URL(u).origin === origin) ?? fallback
  const failure = profile.failure
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
        scope: profile.scopes.join(' '),
        state: transaction.state,
        nonce: transaction.nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(transaction.codeVerifier),
        code_challenge_method: 'S256',
        ...profile.authorizationParameters,
        // a fresh login at the provider, not its single sign-on session (before emergency access)
        ...(maxAge !== undefined ? { max_age: String(maxAge), prompt: 'login' } : {}),
      })
      return { url: url.href, transaction }
    },

    async finish(callbackPath, transaction) {
      const c = await configuration()
      // the address the provider sent the browser to: one of ours (the transaction cookie is the browser's to change)
      if (!options.redirectUris.includes(transaction.redirectUri)) return { failure, reason: 'callback address not registered' }
      let tokens: Tokens
      try {
        tokens = await oidc.authorizationCodeGrant(c, new URL(callbackPath, transaction.redirectUri), {
          pkceCodeVerifier: transaction.codeVerifier,
          expectedState: transaction.state,
          expectedNonce: transaction.nonce,
          idTokenExpected: true,
          ...(transaction.maxAge !== undefined ? { maxAge: transaction.maxAge } : {}),
        })
      } catch (error) {
        return { failure, reason: reasonOf(error) }
      }
      const claims = tokens.claims()
      if (!claims || !tokens.id_token) return { failure, reason: 'no ID token' }
      const read = profile.identityOf(claims, tokens)
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

/** The provider's metadata and Varde as its `private_key_jwt` client. */
async function discover(options: Pick<RelyingPartyOptions, 'issuer' | 'clientId' | 'clientJwk'>): Promise<oidc.Configuration> {
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
function reasonOf(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code
    return `${typeof code === 'string' ? `${code}: ` : ''}${error.message}`.slice(0, 300)
  }
  return 'unknown'
}
