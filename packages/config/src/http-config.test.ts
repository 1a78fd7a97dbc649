import { describe, expect, it } from 'vitest'
import { describePlatformConfig, loadPlatformConfig } from './platform-config.js'

const production = { VARDE_MODE: 'production', VARDE_SERVICE_SECRET: 's'.repeat(32), DATABASE_URL: 'postgres://db/varde' }

describe('HTTP configuration', () => {
  it('serves /metrics and /api/docs in demo mode, not in production unless set', () => {
    expect(loadPlatformConfig({ VARDE_MODE: 'demo' }).http).toMatchObject({ metrics: true, apiDocs: true, trustProxy: false })
    expect(loadPlatformConfig(production).http).toMatchObject({ metrics: false, apiDocs: false })
    expect(loadPlatformConfig({ ...production, VARDE_METRICS: 'on', VARDE_API_DOCS: 'on' }).http).toMatchObject({ metrics: true, apiDocs: true })
    expect(loadPlatformConfig({ VARDE_MODE: 'demo', VARDE_METRICS: 'off', VARDE_API_DOCS: 'off' }).http).toMatchObject({ metrics: false, apiDocs: false })
  })
  it('turns /metrics on with a token, and never prints the token', () => {
    const c = loadPlatformConfig({ ...production, VARDE_METRICS_TOKEN: 'prometheus-token-123' })
    expect(c.http).toMatchObject({ metrics: true, metricsToken: 'prometheus-token-123' })
    expect(JSON.stringify(describePlatformConfig(c))).not.toContain('prometheus-token-123')
    expect(() => loadPlatformConfig({ ...production, VARDE_METRICS_TOKEN: 'short' })).toThrow(/VARDE_METRICS_TOKEN/)
    expect(() => loadPlatformConfig({ ...production, VARDE_METRICS: 'off', VARDE_METRICS_TOKEN: 'prometheus-token-123' })).toThrow(/VARDE_METRICS_TOKEN/)
  })
  it.each([
    ['on', true], ['off', false], ['1', 1], ['10.0.0.1', ['10.0.0.1']], ['10.0.0.0/8,::1', ['10.0.0.0/8', '::1']],
  ])('reads VARDE_TRUST_PROXY=%s', (raw, trustProxy) => {
    expect(loadPlatformConfig({ VARDE_MODE: 'demo', VARDE_TRUST_PROXY: raw }).http.trustProxy).toEqual(trustProxy)
  })
  it('rejects a VARDE_TRUST_PROXY that is none of those', () => {
    expect(() => loadPlatformConfig({ VARDE_MODE: 'demo', VARDE_TRUST_PROXY: 'yes please' })).toThrow(/VARDE_TRUST_PROXY/)
  })
})
