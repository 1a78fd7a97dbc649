import { z } from 'zod'
import { privateJwkOf } from './oidc-config.js'

/**
 * Patients' login with ID-porten (OpenID Connect, issue 25;
 * docs/decisions/0039): the provider's issuer, Varde's client id there and
 * its private key for `private_key_jwt`. Unset in production: patients log in
 * with a password (demo) or not at all. Demo mode starts a local ID-porten
 * stand-in (packages/helseid) unless an issuer is named.
 */
export const idPortenEnvShape = {
  VARDE_IDPORTEN_ISSUER: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).optional(),
  VARDE_IDPORTEN_CLIENT_ID: z.string().trim().min(1).max(200).optional(),
  /** The client's private key, a JWK as JSON (RSA or EC), for `private_key_jwt`. */
  VARDE_IDPORTEN_CLIENT_JWK: z.string().min(2).optional(),
  /** Port of the demo stand-in (loopback only); 0 (default) picks a free one. */
  VARDE_IDPORTEN_DEMO_PORT: z.coerce.number().int().min(0).max(65535).default(0),
}

type IdPortenEnv = z.output<z.ZodObject<typeof idPortenEnvShape>>

export type IdPortenConfig =
  | { kind: 'off' }
  | { kind: 'demo'; port: number }
  | { kind: 'provider'; issuer: string; clientId: string; clientJwk: Record<string, unknown> }

export function idPortenConfigOf(e: IdPortenEnv, isDemo: boolean, problems: string[]): IdPortenConfig {
  if (!e.VARDE_IDPORTEN_ISSUER) {
    if (e.VARDE_IDPORTEN_CLIENT_ID || e.VARDE_IDPORTEN_CLIENT_JWK) problems.push('VARDE_IDPORTEN_CLIENT_ID, VARDE_IDPORTEN_CLIENT_JWK: set without VARDE_IDPORTEN_ISSUER')
    return isDemo ? { kind: 'demo', port: e.VARDE_IDPORTEN_DEMO_PORT } : { kind: 'off' }
  }
  const issuer = new URL(e.VARDE_IDPORTEN_ISSUER)
  const isLoopback = ['127.0.0.1', 'localhost', '[::1]'].includes(issuer.hostname)
  if (issuer.protocol !== 'https:' && !(isDemo && isLoopback)) problems.push('VARDE_IDPORTEN_ISSUER: must be https (plain http only for a loopback provider in demo mode)')
  if (!e.VARDE_IDPORTEN_CLIENT_ID) problems.push('VARDE_IDPORTEN_CLIENT_ID: required with VARDE_IDPORTEN_ISSUER')
  const jwk = privateJwkOf(e.VARDE_IDPORTEN_CLIENT_JWK)
  if (typeof jwk === 'string') problems.push(`VARDE_IDPORTEN_CLIENT_JWK: ${jwk.replace('VARDE_OIDC_ISSUER', 'VARDE_IDPORTEN_ISSUER')}`)
  if (typeof jwk === 'string' || !e.VARDE_IDPORTEN_CLIENT_ID) return { kind: 'off' }
  return { kind: 'provider', issuer: e.VARDE_IDPORTEN_ISSUER.replace(/\/+$/, ''), clientId: e.VARDE_IDPORTEN_CLIENT_ID, clientJwk: jwk }
}

export function describeIdPortenConfig(c: IdPortenConfig): Record<string, string> {
  return {
    VARDE_IDPORTEN_ISSUER: c.kind === 'provider' ? c.issuer : c.kind === 'demo' ? `(demo stand-in on port ${c.port})` : '(unset: no ID-porten login for patients)',
    VARDE_IDPORTEN_CLIENT_ID: c.kind === 'provider' ? c.clientId : '(unset)',
    VARDE_IDPORTEN_CLIENT_JWK: c.kind === 'provider' ? '********' : '(unset)',
  }
}
