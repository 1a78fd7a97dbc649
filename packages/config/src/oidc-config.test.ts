import { describe, expect, it } from 'vitest'
import { ConfigError, loadPlatformConfig } from './platform-config.js'

const base = { VARDE_MODE: 'demo' }
const problemsOf = (env: Record<string, string>): string[] => {
  try { loadPlatformConfig({ ...base, ...env }); return [] } catch (e) { return e instanceof ConfigError ? e.problems : [String(e)] }
}

describe('VARDE_OIDC_* (issue 24)', () => {
  it('starts the demo stand-in in demo mode and nothing in production without an issuer', () => {
    expect(loadPlatformConfig(base).oidc).toEqual({ kind: 'demo', port: 0 })
    expect(loadPlatformConfig({ VARDE_MODE: 'production', DATABASE_URL: 'postgres://x/y', VARDE_SERVICE_SECRET: 'x'.repeat(32) }).oidc).toEqual({ kind: 'off' })
  })

  it('takes a provider with its client id and private key', () => {
    const jwk = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'd' }
    const c = loadPlatformConfig({ ...base, VARDE_OIDC_ISSUER: 'https://helseid-sts.test.nhn.no/', VARDE_OIDC_CLIENT_ID: 'varde', VARDE_OIDC_CLIENT_JWK: JSON.stringify(jwk) })
    expect(c.oidc).toEqual({ kind: 'provider', issuer: 'https://helseid-sts.test.nhn.no', clientId: 'varde', clientJwk: jwk })
    expect(c.sessions).toEqual({ idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000 })
  })

  it('says clearly what is wrong, and never echoes the key', () => {
    expect(problemsOf({ VARDE_OIDC_ISSUER: 'not a url' })[0]).toMatch(/^VARDE_OIDC_ISSUER: must be an http\(s\) URL/)
    expect(problemsOf({ VARDE_OIDC_ISSUER: 'http://idp.example.no', VARDE_OIDC_CLIENT_ID: 'v', VARDE_OIDC_CLIENT_JWK: '{"kty":"EC","d":"s3cret"}' }))
      .toEqual(['VARDE_OIDC_ISSUER: must be https (plain http only for a loopback provider in demo mode)'])
    const noKey = problemsOf({ VARDE_OIDC_ISSUER: 'https://idp.example.no', VARDE_OIDC_CLIENT_ID: 'v', VARDE_OIDC_CLIENT_JWK: '{"kty":"EC","x":"pub"}' })
    expect(noKey).toEqual(["VARDE_OIDC_CLIENT_JWK: has no private part ('d'): give the private key"])
    const notJson = problemsOf({ VARDE_OIDC_ISSUER: 'https://idp.example.no', VARDE_OIDC_CLIENT_ID: 'v', VARDE_OIDC_CLIENT_JWK: 's3cret-not-json' })
    expect(notJson.join()).not.toContain('s3cret')
    expect(problemsOf({ VARDE_SESSION_IDLE_MINUTES: '0' })[0]).toMatch(/^VARDE_SESSION_IDLE_MINUTES: /)
  })

  it('takes the machine client\'s keys, and names what is missing', () => {
    const jwk = JSON.stringify({ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'd' })
    const c = loadPlatformConfig({ ...base, VARDE_OIDC_ISSUER: 'https://helseid-sts.test.nhn.no', VARDE_OIDC_CLIENT_ID: 'v', VARDE_OIDC_CLIENT_JWK: jwk,
      VARDE_HELSEID_MACHINE_CLIENT_ID: 'varde-pmd', VARDE_HELSEID_MACHINE_CLIENT_JWK: jwk })
    expect(c.helseIdMachine).toMatchObject({ issuer: 'https://helseid-sts.test.nhn.no', clientId: 'varde-pmd', dpopJwk: undefined })
    expect(loadPlatformConfig(base).helseIdMachine).toBeNull()
    expect(problemsOf({ VARDE_HELSEID_MACHINE_CLIENT_JWK: jwk })).toEqual([
      'VARDE_HELSEID_MACHINE_CLIENT_ID: needs VARDE_OIDC_ISSUER (the HelseID that issues its tokens)',
      'VARDE_HELSEID_MACHINE_CLIENT_ID: required with VARDE_HELSEID_MACHINE_CLIENT_JWK',
    ])
  })
})
