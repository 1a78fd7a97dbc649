import { createHash, randomUUID } from 'node:crypto'
import { exportJWK, generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWK } from 'jose'
import * as oidc from 'openid-client'

/**
 * What a transport to a national service asks of its authentication (the
 * interface forwarding/src/auth.ts declares for Pasientens måledata; issue 18
 * and 24): the headers of one request — `Authorization: DPoP <token>` and a
 * fresh `DPoP` proof for this method and URL, with the server's nonce when it
 * gave one.
 */
export interface DpopAuth {
  headersFor(method: string, url: string, nonce?: string): Promise<Record<string, string>>
}

export interface MachineClientOptions {
  issuer: string
  clientId: string
  /** The private JWK of `private_key_jwt` (from configuration). */
  clientJwk: JWK
  /** The private JWK the tokens are bound to (from configuration); unset: an ES256 key made per process. */
  dpopJwk?: JWK
  scope?: string
  /** The audience asked for (RFC 8707 `resource`), when the provider wants one. */
  resource?: string
  /** Fetch a new token this long before the cached one expires (default 30 s). */
  refreshBeforeSeconds?: number
  /** The clock (ms since the epoch); tests move it. */
  now?: () => number
}

/**
 * Varde as a HelseID client for system-to-system calls (issue 24;
 * docs/decisions/0021): client credentials with `private_key_jwt` and
 * DPoP-bound access tokens (RFC 9449), through openid-client, which answers
 * the token endpoint's `use_dpop_nonce` itself. The token is cached until
 * shortly before it expires, one request at a time fetching it. Each call's
 * proof is new (jti, iat), names the method and URL, carries the token's hash
 * (ath) and the resource server's nonce when given.
 */
export function createHelseIdMachineClient(options: MachineClientOptions): DpopAuth {
  const now = options.now ?? Date.now
  const refreshBeforeMs = (options.refreshBeforeSeconds ?? 30) * 1000
  let cached: { token: string; expiresAt: number } | null = null
  let pending: Promise<{ token: string; expiresAt: number }> | null = null
  const setup = prepare(options)

  const token = async (): Promise<string> => {
    if (cached && now() < cached.expiresAt - refreshBeforeMs) return cached.token
    pending ??= (async () => {
      const { config, handle } = await setup
      const params: Record<string, string> = {}
      if (options.scope) params.scope = options.scope
      if (options.resource) params.resource = options.resource
      const answer = await oidc.clientCredentialsGrant(config, params, { DPoP: handle })
      if (answer.token_type.toLowerCase() !== 'dpop') throw new Error(`HelseID answered a ${answer.token_type} token, not a DPoP-bound one`)
      return { token: answer.access_token, expiresAt: now() + (answer.expires_in ?? 60) * 1000 }
    })().finally(() => { pending = null })
    cached = await pending
    return cached.token
  }

  return {
    async headersFor(method, url, nonce) {
      const accessToken = await token()
      const { keys } = await setup
      const proof = await dpopProof(keys, { method, url, accessToken, nonce, iat: Math.floor(now() / 1000) })
      return { Authorization: `DPoP ${accessToken}`, DPoP: proof }
    },
  }
}

interface DpopKeys { privateKey: CryptoKey; publicJwk: JWK; alg: string }

async function prepare(options: MachineClientOptions) {
  const issuer = new URL(options.issuer)
  const isLoopbackHttp = issuer.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(issuer.hostname)
  const clientAlg = options.clientJwk.alg ?? (options.clientJwk.kty === 'EC' ? 'ES256' : 'RS256')
  const clientKey = await importJWK(options.clientJwk, clientAlg) as CryptoKey
  const config = await oidc.discovery(issuer, options.clientId, undefined,
    oidc.PrivateKeyJwt(options.clientJwk.kid ? { key: clientKey, kid: options.clientJwk.kid } : clientKey),
    isLoopbackHttp ? { execute: [oidc.allowInsecureRequests] } : undefined)
  const keys = await dpopKeysOf(options.dpopJwk)
  const publicKey = await importJWK(keys.publicJwk, keys.alg) as CryptoKey
  const handle = oidc.getDPoPHandle(config, { privateKey: keys.privateKey, publicKey })
  return { config, handle, keys }
}

async function dpopKeysOf(jwk: JWK | undefined): Promise<DpopKeys> {
  if (jwk) {
    const alg = jwk.alg ?? (jwk.kty === 'EC' ? 'ES256' : 'PS256')
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = jwk
    return { privateKey: await importJWK(jwk, alg) as CryptoKey, publicJwk, alg }
  }
  const pair = await generateKeyPair('ES256', { extractable: true })
  return { privateKey: pair.privateKey, publicJwk: await exportJWK(pair.publicKey), alg: 'ES256' }
}

/** RFC 9449 §4.2: the proof of one request (htu without query and fragment, §4.2 and §4.3). */
async function dpopProof(keys: DpopKeys, p: { method: string; url: string; accessToken: string; nonce: string | undefined; iat: number }): Promise<string> {
  const htu = new URL(p.url)
  htu.search = ''
  htu.hash = ''
  return new SignJWT({
    htm: p.method.toUpperCase(), htu: htu.href, jti: randomUUID(), iat: p.iat,
    ath: createHash('sha256').update(p.accessToken).digest('base64url'),
    ...(p.nonce ? { nonce: p.nonce } : {}),
  }).setProtectedHeader({ typ: 'dpop+jwt', alg: keys.alg, jwk: keys.publicJwk }).sign(keys.privateKey)
}
