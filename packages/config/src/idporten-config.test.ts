import { describe, expect, it } from 'vitest'
import { ConfigError, describePlatformConfig, loadPlatformConfig } from './platform-config.js'

const base = { VARDE_MODE: 'demo' }
const problemsOf = (env: Record<string, string>): string[] => {
  try { loadPlatformConfig({ ...base, ...env }); return [] } catch (e) { return e instanceof ConfigError ? e.problems : [String(e)] }
}
const jwk = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 's3cret' }

describe('VARDE_IDPORTEN_* (issue 25)', () => {
  it('starts the demo stand-in in demo mode and nothing in production without an issuer', () => {
    expect(loadPlatformConfig(base).idPorten).toEqual({ kind: 'demo', port: 0 })
    expect(loadPlatformConfig({ ...base, VARDE_IDPORTEN_DEMO_PORT: '5601' }).idPorten).toEqual({ kind: 'demo', port: 5601 })
    expect(loadPlatformConfig({ VARDE_MODE: 'production', DATABASE_URL: 'postgres://x/y', VARDE_SERVICE_SECRET: 'x'.repeat(32) }).idPorten).toEqual({ kind: 'off' })
  })

  it('takes a provider with its client id and private key, and prints the key masked', () => {
    const c = loadPlatformConfig({ ...base, VARDE_IDPORTEN_ISSUER: 'https://test.idporten.no/', VARDE_IDPORTEN_CLIENT_ID: 'varde', VARDE_IDPORTEN_CLIENT_JWK: JSON.stringify(jwk) })
    expect(c.idPorten).toEqual({ kind: 'provider', issuer: 'https://test.idporten.no', clientId: 'varde', clientJwk: jwk })
    expect(JSON.stringify(describePlatformConfig(c))).not.toContain('s3cret')
    expect(describePlatformConfig(c).VARDE_IDPORTEN_CLIENT_JWK).toBe('********')
  })

  it('says clearly what is wrong, and never echoes the key', () => {
    expect(problemsOf({ VARDE_IDPORTEN_ISSUER: 'http://idporten.example.no', VARDE_IDPORTEN_CLIENT_ID: 'v', VARDE_IDPORTEN_CLIENT_JWK: JSON.stringify(jwk) }))
      .toEqual(['VARDE_IDPORTEN_ISSUER: must be https (plain http only for a loopback provider in demo mode)'])
    expect(problemsOf({ VARDE_IDPORTEN_ISSUER: 'https://test.idporten.no' })).toEqual([
      'VARDE_IDPORTEN_CLIENT_ID: required with VARDE_IDPORTEN_ISSUER',
      'VARDE_IDPORTEN_CLIENT_JWK: required with VARDE_IDPORTEN_ISSUER (a private JWK as JSON)',
    ])
    expect(problemsOf({ VARDE_IDPORTEN_CLIENT_ID: 'v' })).toEqual(['VARDE_IDPORTEN_CLIENT_ID, VARDE_IDPORTEN_CLIENT_JWK: set without VARDE_IDPORTEN_ISSUER'])
    const notJson = problemsOf({ VARDE_IDPORTEN_ISSUER: 'https://test.idporten.no', VARDE_IDPORTEN_CLIENT_ID: 'v', VARDE_IDPORTEN_CLIENT_JWK: 's3cret-not-json' })
    expect(notJson).toHaveLength(1)
    expect(notJson.join()).not.toContain('s3cret')
  })
})
