import { z } from 'zod'

/**
 * Login with HelseID (OpenID Connect, issue 24; docs/decisions/0021): the
 * provider's issuer, Varde's client id there and its private key for
 * `private_key_jwt` (HelseID accepts no client secrets). Unset in production:
 * password login only. Demo mode starts a local HelseID stand-in
 * (packages/helseid) unless an issuer is named. Part of the platform's one
 * environment schema (`platformEnvSchema`).
 */
export const oidcEnvShape = {
  VARDE_OIDC_ISSUER: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).optional(),
  VARDE_OIDC_CLIENT_ID: z.string().trim().min(1).max(200).optional(),
  /** The client's private key, a JWK as JSON (RSA or EC), for `private_key_jwt`. */
  VARDE_OIDC_CLIENT_JWK: z.string().min(2).optional(),
  /** Port of the demo stand-in (loopback only); 0 (default) picks a free one: its keys are new each run anyway. */
  VARDE_OIDC_DEMO_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  /**
   * Varde as a HelseID client of national services (Pasientens måledata):
   * its client id there, its private JWK for `private_key_jwt`, and
   * optionally the private JWK its DPoP-bound tokens are bound to (unset: a
   * key made per process). Needs VARDE_OIDC_ISSUER (the same HelseID).
   */
  VARDE_HELSEID_MACHINE_CLIENT_ID: z.string().trim().min(1).max(200).optional(),
  VARDE_HELSEID_MACHINE_CLIENT_JWK: z.string().min(2).optional(),
  VARDE_HELSEID_DPOP_JWK: z.string().min(2).optional(),
  /** Session idle timeout in minutes (every session, password ones too). */
  VARDE_SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(30),
  /** Session absolute timeout in hours. */
  VARDE_SESSION_MAX_HOURS: z.coerce.number().int().min(1).max(24 * 7).default(12),
}

type OidcEnv = z.output<z.ZodObject<typeof oidcEnvShape>>

export type OidcConfig =
  | { kind: 'off' }
  /** The local stand-in, demo mode only. */
  | { kind: 'demo'; port: number }
  | { kind: 'provider'; issuer: string; clientId: string; clientJwk: Record<string, unknown> }

export interface SessionTimeouts { idleMs: number; absoluteMs: number }

/** The machine client's settings (packages/helseid dpop.ts takes them as they are), or null when unset. */
export interface HelseIdMachineConfig {
  issuer: string
  clientId: string
  clientJwk: Record<string, unknown>
  dpopJwk: Record<string, unknown> | undefined
}

export function helseIdMachineConfigOf(e: OidcEnv, problems: string[]): HelseIdMachineConfig | null {
  const named = [e.VARDE_HELSEID_MACHINE_CLIENT_ID, e.VARDE_HELSEID_MACHINE_CLIENT_JWK, e.VARDE_HELSEID_DPOP_JWK].some((v) => v !== undefined)
  if (!named) return null
  if (!e.VARDE_OIDC_ISSUER) problems.push('VARDE_HELSEID_MACHINE_CLIENT_ID: needs VARDE_OIDC_ISSUER (the HelseID that issues its tokens)')
  if (!e.VARDE_HELSEID_MACHINE_CLIENT_ID) problems.push('VARDE_HELSEID_MACHINE_CLIENT_ID: required with VARDE_HELSEID_MACHINE_CLIENT_JWK')
  const clientJwk = privateJwkOf(e.VARDE_HELSEID_MACHINE_CLIENT_JWK)
  if (typeof clientJwk === 'string') problems.push(`VARDE_HELSEID_MACHINE_CLIENT_JWK: ${clientJwk.replace('VARDE_OIDC_ISSUER', 'VARDE_HELSEID_MACHINE_CLIENT_ID')}`)
  const dpopJwk = e.VARDE_HELSEID_DPOP_JWK === undefined ? undefined : privateJwkOf(e.VARDE_HELSEID_DPOP_JWK)
  if (typeof dpopJwk === 'string') problems.push(`VARDE_HELSEID_DPOP_JWK: ${dpopJwk}`)
  if (!e.VARDE_OIDC_ISSUER || !e.VARDE_HELSEID_MACHINE_CLIENT_ID || typeof clientJwk === 'string' || typeof dpopJwk === 'string') return null
  return { issuer: e.VARDE_OIDC_ISSUER.replace(/\/+$/, ''), clientId: e.VARDE_HELSEID_MACHINE_CLIENT_ID, clientJwk, dpopJwk }
}

export function oidcConfigOf(e: OidcEnv, isDemo: boolean, problems: string[]): OidcConfig {
  if (!e.VARDE_OIDC_ISSUER) {
    if (e.VARDE_OIDC_CLIENT_ID || e.VARDE_OIDC_CLIENT_JWK) problems.push('VARDE_OIDC_CLIENT_ID, VARDE_OIDC_CLIENT_JWK: set without VARDE_OIDC_ISSUER')
    return isDemo ? { kind: 'demo', port: e.VARDE_OIDC_DEMO_PORT } : { kind: 'off' }
  }
  const issuer = new URL(e.VARDE_OIDC_ISSUER)
  const isLoopback = ['127.0.0.1', 'localhost', '[::1]'].includes(issuer.hostname)
  if (issuer.protocol !== 'https:' && !(isDemo && isLoopback)) problems.push('VARDE_OIDC_ISSUER: must be https (plain http only for a loopback provider in demo mode)')
  if (!e.VARDE_OIDC_CLIENT_ID) problems.push('VARDE_OIDC_CLIENT_ID: required with VARDE_OIDC_ISSUER')
  const jwk = privateJwkOf(e.VARDE_OIDC_CLIENT_JWK)
  if (typeof jwk === 'string') problems.push(`VARDE_OIDC_CLIENT_JWK: ${jwk}`)
  if (typeof jwk === 'string' || !e.VARDE_OIDC_CLIENT_ID) return { kind: 'off' }
  return { kind: 'provider', issuer: e.VARDE_OIDC_ISSUER.replace(/\/+$/, ''), clientId: e.VARDE_OIDC_CLIENT_ID, clientJwk: jwk }
}

export const sessionTimeoutsOf = (e: OidcEnv): SessionTimeouts => ({
  idleMs: e.VARDE_SESSION_IDLE_MINUTES * 60_000, absoluteMs: e.VARDE_SESSION_MAX_HOURS * 3_600_000,
})

/** A private JWK (RSA or EC, with its private part), or what is wrong with it; never echoes the key. */
export function privateJwkOf(raw: string | undefined): Record<string, unknown> | string {
  if (raw === undefined) return 'required with VARDE_OIDC_ISSUER (a private JWK as JSON)'
  let jwk: unknown
  try { jwk = JSON.parse(raw) } catch { return 'is not JSON (a private JWK as JSON)' }
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) return 'must be one JWK object'
  const k = jwk as Record<string, unknown>
  if (k.kty !== 'RSA' && k.kty !== 'EC') return "kty must be 'RSA' or 'EC'"
  if (typeof k.d !== 'string') return "has no private part ('d'): give the private key"
  return k
}

export function describeOidcConfig(c: OidcConfig, t: SessionTimeouts): Record<string, string> {
  return {
    VARDE_OIDC_ISSUER: c.kind === 'provider' ? c.issuer : c.kind === 'demo' ? `(demo stand-in on port ${c.port})` : '(unset: password login only)',
    VARDE_OIDC_CLIENT_ID: c.kind === 'provider' ? c.clientId : '(unset)',
    VARDE_OIDC_CLIENT_JWK: c.kind === 'provider' ? '********' : '(unset)',
    VARDE_SESSION_IDLE_MINUTES: String(t.idleMs / 60_000),
    VARDE_SESSION_MAX_HOURS: String(t.absoluteMs / 3_600_000),
  }
}
