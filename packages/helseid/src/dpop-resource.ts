import { createHash, createHmac, randomBytes } from 'node:crypto'
import { calculateJwkThumbprint, createLocalJWKSet, EmbeddedJWK, jwtVerify, type JWK } from 'jose'

/**
 * A resource server's check of a DPoP-bound call (RFC 9449 §7 and §4.3), as
 * Pasientens måledata would make it and the PMD stand-in makes it: the
 * access token is the provider's (signature, issuer, audience, expiry), the
 * proof is signed by the key the token is bound to (cnf.jkt), names this
 * method and URL, is fresh, used once, carries the token's hash and the
 * server's current nonce. Anything else is refused with the RFC's error.
 */
export interface DpopResourceOptions {
  issuer: string
  audience: string
  /** The provider's public keys. */
  jwks: { keys: JWK[] }
  /** Ask for a nonce of ours in every proof (default true). */
  requireNonce?: boolean
  /** How old a proof may be, in seconds (default 60). */
  maxProofAgeSeconds?: number
  now?: () => number
}

export type DpopRefusal = 'invalid_token' | 'invalid_dpop_proof' | 'use_dpop_nonce'
export type DpopCheck = { ok: true; clientId: string; scope: string | undefined } | { ok: false; error: DpopRefusal; detail: string }

export interface DpopResource {
  check(request: { method: string; url: string; authorization: string | undefined; dpop: string | undefined }): Promise<DpopCheck>
  /** The nonce to send in `DPoP-Nonce` (it changes each minute; the previous one is still taken). */
  nonce(): string
  /** The `WWW-Authenticate` header of a refusal. */
  challenge(error: DpopRefusal): string
}

export function createDpopResource(options: DpopResourceOptions): DpopResource {
  const now = options.now ?? Date.now
  const keys = createLocalJWKSet(options.jwks)
  const secret = randomBytes(32)
  const seen = new Map<string, number>() // jti → until when it is remembered
  const nonceAt = (minute: number) => createHmac('sha256', secret).update(String(minute)).digest('base64url')
  const minute = () => Math.floor(now() / 60_000)
  const refuse = (error: DpopRefusal, detail: string): DpopCheck => ({ ok: false, error, detail })

  return {
    nonce: () => nonceAt(minute()),
    challenge: (error) => `DPoP error="${error}", algs="ES256 PS256 RS256"`,
    async check(request) {
      const [scheme, token] = (request.authorization ?? '').split(' ')
      if (scheme !== 'DPoP' || !token) return refuse('invalid_token', 'not a DPoP authorization')
      if (!request.dpop) return refuse('invalid_dpop_proof', 'no DPoP proof')
      let claims
      try {
        ({ payload: claims } = await jwtVerify(token, keys, { issuer: options.issuer, audience: options.audience, currentDate: new Date(now()) }))
      } catch (error) {
        return refuse('invalid_token', (error as Error).message)
      }
      const jkt = (claims.cnf as { jkt?: unknown } | undefined)?.jkt
      if (typeof jkt !== 'string') return refuse('invalid_token', 'the token is not DPoP-bound')
      let proof
      try {
        proof = await jwtVerify(request.dpop, EmbeddedJWK, { typ: 'dpop+jwt', currentDate: new Date(now()) })
      } catch (error) {
        return refuse('invalid_dpop_proof', (error as Error).message)
      }
      const p = proof.payload
      const htu = new URL(request.url)
      htu.search = ''
      htu.hash = ''
      if (await calculateJwkThumbprint(proof.protectedHeader.jwk as JWK) !== jkt) return refuse('invalid_dpop_proof', 'the proof is not signed by the key the token is bound to')
      if (p.htm !== request.method.toUpperCase() || p.htu !== htu.href) return refuse('invalid_dpop_proof', 'the proof is for another request')
      if (p.ath !== createHash('sha256').update(token).digest('base64url')) return refuse('invalid_dpop_proof', 'the proof is for another token')
      const age = Math.floor(now() / 1000) - Number(p.iat)
      if (!Number.isFinite(age) || Math.abs(age) > (options.maxProofAgeSeconds ?? 60)) return refuse('invalid_dpop_proof', 'the proof is not fresh')
      if (options.requireNonce ?? true) {
        if (p.nonce !== nonceAt(minute()) && p.nonce !== nonceAt(minute() - 1)) return refuse('use_dpop_nonce', 'the proof lacks our current nonce')
      }
      if (typeof p.jti !== 'string' || seen.has(p.jti)) return refuse('invalid_dpop_proof', 'the proof was used before')
      for (const [jti, until] of seen) if (until < now()) seen.delete(jti)
      seen.set(p.jti, now() + 2 * (options.maxProofAgeSeconds ?? 60) * 1000)
      return { ok: true, clientId: String(claims.client_id ?? claims.sub), scope: typeof claims.scope === 'string' ? claims.scope : undefined }
    },
  }
}
