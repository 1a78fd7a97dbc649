import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose'
import { createHash, randomUUID } from 'node:crypto'
import type { DpopAuth } from '../auth.js'

/** A DpopAuth whose key and token are known: what the stand-in needs to check the binding (cnf.jkt). */
export interface StaticDpopAuth extends DpopAuth {
  /** The public key's JWK thumbprint (RFC 7638): the `jkt` a DPoP-bound token is bound to. */
  jkt: string
  token: string
}

/**
 * DPoP proofs signed with a key of its own (ES256, made at start unless
 * given), for a token taken from configuration: for tests and demo mode,
 * where no HelseID is reachable. The HelseID machine client (docs/decisions/0021)
 * gets its token from HelseID instead, bound to the same kind of key.
 */
export async function staticTokenDpopAuth(token: string, key?: { privateKey: CryptoKey; publicJwk: JWK }): Promise<StaticDpopAuth> {
  let pair = key
  if (!pair) {
    const generated = await generateKeyPair('ES256')
    pair = { privateKey: generated.privateKey, publicJwk: await exportJWK(generated.publicKey) }
  }
  const { privateKey } = pair
  const jwk: JWK = { kty: pair.publicJwk.kty, crv: pair.publicJwk.crv, x: pair.publicJwk.x, y: pair.publicJwk.y }
  const ath = createHash('sha256').update(token).digest('base64url')
  return {
    token,
    jkt: await calculateJwkThumbprint(jwk),
    async headersFor(method, url, nonce) {
      const proof = await new SignJWT({ htm: method.toUpperCase(), htu: htuOf(url), ath, ...(nonce ? { nonce } : {}) })
        .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk })
        .setIssuedAt()
        .setJti(randomUUID())
        .sign(privateKey)
      return { authorization: `DPoP ${token}`, dpop: proof }
    },
  }
}

/** RFC 9449 §4.2: htu is the request URL without query and fragment. */
export function htuOf(url: string): string {
  const u = new URL(url)
  return `${u.origin}${u.pathname}`
}
