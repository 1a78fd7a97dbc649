import { describe, expect, it } from 'vitest'
import { describePlatformConfig, loadPlatformConfig } from './platform-config.js'

describe('forwarding configuration', () => {
  it('in demo mode, unset: the built-in receiver; set: that URL, printed without its path', () => {
    expect(loadPlatformConfig({ VARDE_MODE: 'demo' }).forwarding).toEqual({ demoGpFhirUrl: undefined, pollIntervalMs: 1000, maxAttempts: 30, pmdBaseUrl: undefined })
    const c = loadPlatformConfig({ VARDE_MODE: 'demo', VARDE_DEMO_GP_FHIR_URL: 'https://gp.example/fhir/R4/token-abc/' })
    expect(c.forwarding.demoGpFhirUrl).toBe('https://gp.example/fhir/R4/token-abc')
    expect(describePlatformConfig(c).VARDE_DEMO_GP_FHIR_URL).toBe('https://gp.example/…')
    expect(describePlatformConfig(loadPlatformConfig({ VARDE_MODE: 'demo' })).VARDE_DEMO_GP_FHIR_URL).toMatch(/built into demo mode/)
  })
  it.each([
    [{ VARDE_DEMO_GP_FHIR_URL: 'ftp://gp.example/fhir' }, /VARDE_DEMO_GP_FHIR_URL: must be an http/],
    [{ VARDE_DEMO_GP_FHIR_URL: 'gp.example' }, /VARDE_DEMO_GP_FHIR_URL/],
    [{ VARDE_FORWARDING_POLL_MS: '10' }, /VARDE_FORWARDING_POLL_MS/],
    [{ VARDE_FORWARDING_MAX_ATTEMPTS: '0' }, /VARDE_FORWARDING_MAX_ATTEMPTS/],
  ])('rejects %j with a clear message', (env, message) => {
    expect(() => loadPlatformConfig({ VARDE_MODE: 'demo', ...env })).toThrow(message)
  })
  it('refuses the demo GP URL in production', () => {
    expect(() => loadPlatformConfig({
      VARDE_MODE: 'production', VARDE_SERVICE_SECRET: 's3cret-s3cret-s3cret-s3cret-s3cret', DATABASE_URL: 'postgres://db/v',
      VARDE_DEMO_GP_FHIR_URL: 'https://gp.example/fhir',
    })).toThrow(/VARDE_DEMO_GP_FHIR_URL: the demo GP practice exists only in demo mode/)
  })
  it('names the PMD base URL (the Bundle is POSTed to it), https outside demo mode', () => {
    expect(loadPlatformConfig({ VARDE_MODE: 'demo', VARDE_PMD_BASE_URL: 'https://api.pmd.test.nhn.no' }).forwarding.pmdBaseUrl).toBe('https://api.pmd.test.nhn.no/')
    expect(describePlatformConfig(loadPlatformConfig({ VARDE_MODE: 'demo' })).VARDE_PMD_BASE_URL).toMatch(/stand-in built into demo mode/)
    const production = { VARDE_MODE: 'production', VARDE_SERVICE_SECRET: 's3cret-s3cret-s3cret-s3cret-s3cret', DATABASE_URL: 'postgres://db/v' }
    expect(loadPlatformConfig({ ...production, VARDE_PMD_BASE_URL: 'https://pmd.nhn.no/' }).forwarding.pmdBaseUrl).toBe('https://pmd.nhn.no/')
    expect(() => loadPlatformConfig({ ...production, VARDE_PMD_BASE_URL: 'http://pmd.nhn.no' })).toThrow(/VARDE_PMD_BASE_URL: must be https/)
    expect(() => loadPlatformConfig({ VARDE_MODE: 'demo', VARDE_PMD_BASE_URL: 'pmd.nhn.no' })).toThrow(/VARDE_PMD_BASE_URL: must be an http/)
  })
  it('runs the forwarding part by default', () => {
    expect([...loadPlatformConfig({ VARDE_MODE: 'demo' }).parts]).toContain('forwarding')
  })
})
