import { describe, expect, it } from 'vitest'
import { describePlatformConfig, loadPlatformConfig } from './platform-config.js'

const demo = { VARDE_MODE: 'demo' }
const email = { VARDE_SMTP_URL: 'smtp://varsel:hunter2@smtp.kommune.no:587', VARDE_ESCALATION_EMAIL_TO: 'vakt@kommune.no, lege@kommune.no', VARDE_ESCALATION_EMAIL_FROM: 'varde@kommune.no' }

describe('escalation configuration', () => {
  it('defaults to 15 minutes, a check every 15 s, no notifiers, and the portal on localhost', () => {
    const c = loadPlatformConfig({ ...demo, VARDE_HTTP_PORT: '8081' })
    expect(c.escalation).toEqual({ afterMinutes: 15, checkIntervalMs: 15_000, webhook: undefined, email: undefined })
    expect(c.publicUrl).toBe('http://localhost:8081')
  })

  it('reads a signed webhook, e-mail to a list, and a public URL without its trailing slash', () => {
    const c = loadPlatformConfig({
      ...demo, ...email, VARDE_ESCALATION_MINUTES: '10', VARDE_ESCALATION_CHECK_S: '0.5',
      VARDE_ESCALATION_WEBHOOK_URL: 'https://hooks.kommune.no/varde/T0K3N', VARDE_ESCALATION_WEBHOOK_SECRET: 'webhook-secret-0123456789',
      VARDE_PUBLIC_URL: 'https://varde.kommune.no/',
    })
    expect(c.escalation).toEqual({
      afterMinutes: 10, checkIntervalMs: 500,
      webhook: { url: 'https://hooks.kommune.no/varde/T0K3N', secret: 'webhook-secret-0123456789' },
      email: { smtpUrl: email.VARDE_SMTP_URL, from: 'varde@kommune.no', to: ['vakt@kommune.no', 'lege@kommune.no'] },
    })
    expect(c.publicUrl).toBe('https://varde.kommune.no')
  })

  it.each([
    [{ VARDE_ESCALATION_MINUTES: '0' }, /VARDE_ESCALATION_MINUTES: must be a positive number of minutes/],
    [{ VARDE_ESCALATION_CHECK_S: 'often' }, /VARDE_ESCALATION_CHECK_S/],
    [{ VARDE_ESCALATION_WEBHOOK_URL: 'ftp://x' }, /VARDE_ESCALATION_WEBHOOK_URL: must be an http:\/\/ or https:\/\/ URL/],
    [{ VARDE_ESCALATION_WEBHOOK_SECRET: 'long-enough-secret-123' }, /VARDE_ESCALATION_WEBHOOK_SECRET: set without VARDE_ESCALATION_WEBHOOK_URL/],
    [{ VARDE_PUBLIC_URL: 'varde.kommune.no' }, /VARDE_PUBLIC_URL: must be an http/],
    [{ VARDE_SMTP_URL: 'mail.kommune.no' }, /VARDE_SMTP_URL: must be an smtp:\/\/host:port/],
    [{ ...email, VARDE_ESCALATION_EMAIL_TO: 'vakt@kommune.no,not-an-address' }, /VARDE_ESCALATION_EMAIL_TO: 'not-an-address' is not an e-mail address/],
    [{ ...email, VARDE_ESCALATION_EMAIL_TO: '' }, /VARDE_ESCALATION_EMAIL_TO: required with VARDE_SMTP_URL/],
    [{ ...email, VARDE_ESCALATION_EMAIL_FROM: undefined }, /VARDE_ESCALATION_EMAIL_FROM: required with VARDE_SMTP_URL/],
    [{ VARDE_ESCALATION_EMAIL_TO: 'vakt@kommune.no' }, /VARDE_SMTP_URL: required to send the escalation e-mail/],
  ])('rejects %j with a clear message', (env, message) => {
    expect(() => loadPlatformConfig({ ...demo, ...env })).toThrow(message)
  })

  it('wants the public URL in production when notices are sent (their link must reach the portal)', () => {
    const production = { VARDE_MODE: 'production', VARDE_SERVICE_SECRET: 's'.repeat(32), DATABASE_URL: 'postgres://db/varde', ...email }
    expect(() => loadPlatformConfig(production)).toThrow(/VARDE_PUBLIC_URL: required in production/)
    expect(loadPlatformConfig({ ...production, VARDE_PUBLIC_URL: 'https://varde.kommune.no' }).publicUrl).toBe('https://varde.kommune.no')
  })

  it('never prints the webhook secret, the webhook path, or the SMTP password, not even in an error', () => {
    const c = loadPlatformConfig({
      ...demo, ...email, VARDE_ESCALATION_WEBHOOK_URL: 'https://hooks.kommune.no/varde/T0K3N', VARDE_ESCALATION_WEBHOOK_SECRET: 'webhook-secret-0123456789',
    })
    const printed = JSON.stringify(describePlatformConfig(c))
    for (const secret of ['hunter2', 'T0K3N', 'webhook-secret']) expect(printed).not.toContain(secret)
    expect(describePlatformConfig(c)).toMatchObject({
      VARDE_ESCALATION_WEBHOOK_URL: 'https://hooks.kommune.no/…', VARDE_ESCALATION_WEBHOOK_SECRET: '********',
      VARDE_SMTP_URL: 'smtp://varsel:********@smtp.kommune.no:587', VARDE_ESCALATION_EMAIL_TO: 'vakt@kommune.no,lege@kommune.no',
    })
    expect(() => loadPlatformConfig({ ...demo, VARDE_ESCALATION_WEBHOOK_URL: 'https://x.no', VARDE_ESCALATION_WEBHOOK_SECRET: 'short-s3cret' }))
      .toThrow(/VARDE_ESCALATION_WEBHOOK_SECRET: must be at least 16 characters \(got \(hidden\)\)/)
    expect(() => loadPlatformConfig({ ...demo, VARDE_SMTP_URL: 'mailto://u:hunter2@x' })).toThrow('VARDE_SMTP_URL: must be an smtp://host:port or smtps://host:port URL (got "mailto://u:********@x")')
  })
})
