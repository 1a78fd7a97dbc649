import { createHmac, timingSafeEqual } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { loadPlatformConfig } from '@varde/config'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  buildNotifiers, composeEscalationMessage, EmailNotifier, NotifyError, SIGNATURE_HEADER, toEscalation, WebhookNotifier, type Escalation,
} from '../src/index.js'
import { startSmtpSink, startWebhookSink, type SmtpSink, type WebhookSink } from '../src/testing.js'

const escalation: Escalation = toEscalation(
  {
    tenantId: 'oslo', alertId: '6f1c2a8e-0d5b-4c39-9a7e-2b1f4d8c9e01', ruleId: 'spo2-low',
    redSince: new Date('2025-03-04T08:00:00Z'), escalatedAt: new Date('2025-03-04T08:17:30Z'),
  },
  'https://varde.oslo.kommune.no/',
)

let smtp: SmtpSink
let hook: WebhookSink
beforeAll(async () => {
  smtp = await startSmtpSink()
  hook = await startWebhookSink()
})
afterAll(async () => {
  await smtp?.close()
  await hook?.close()
})

/** A server that takes the request and never answers. */
async function silentServer(): Promise<{ url: string; server: Server }> {
  const server = createServer(() => {})
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, server }
}

describe('the escalation notice', () => {
  it('links to the alert in the portal and counts whole minutes since the alert turned red', () => {
    expect(escalation).toMatchObject({ minutesUnacknowledged: 17, alertUrl: 'https://varde.oslo.kommune.no/alerts?alert=6f1c2a8e-0d5b-4c39-9a7e-2b1f4d8c9e01' })
    const { subject, text } = composeEscalationMessage(escalation)
    expect(subject).toBe('[Varde oslo] Rødt varsel ikke kvittert ut på 17 min / Red alert not acknowledged')
    expect(text).toContain('Et rødt varsel i Varde er ikke kvittert ut etter 17 minutter.')
    expect(text).toContain('Rødt siden: 04.03.2025, 09:00 (norsk tid)')
    expect(text).toMatch(/^English: A red alert has not been acknowledged for 17 minutes \(tenant oslo, alert 6f1c2a8e-.*, rule spo2-low\)\. Open it in Varde: https:\/\/varde\.oslo\.kommune\.no\/alerts\?alert=6f1c2a8e-/m)
  })

  it('copies only the fields it names, whatever else the caller holds about the alert', () => {
    const withPatient = { ...escalation, patientId: 'c0ffee00-0000-4000-8000-000000000001', displayName: 'Kari Nordmann' }
    const copied = toEscalation(withPatient, 'https://varde.oslo.kommune.no')
    expect(JSON.stringify(copied)).not.toMatch(/c0ffee00|Kari/)
  })
})

describe('WebhookNotifier', () => {
  it('POSTs the notice as JSON, signed with HMAC-SHA256 of the exact body', async () => {
    const secret = 'webhook-secret-0123456789'
    await new WebhookNotifier({ url: hook.url, secret }).notify(escalation)
    const request = await hook.requests.next()
    expect(request).toMatchObject({ method: 'POST', path: '/hooks/varde', status: 204 })
    expect(request.headers['content-type']).toBe('application/json')
    const signature = String(request.headers[SIGNATURE_HEADER.toLowerCase()])
    const expected = `sha256=${createHmac('sha256', secret).update(request.body).digest('hex')}`
    expect(timingSafeEqual(Buffer.from(signature), Buffer.from(expected))).toBe(true)
    expect(JSON.parse(request.body)).toEqual({
      event: 'alert.escalated', tenantId: 'oslo', alertId: escalation.alertId, severity: 'red', ruleId: 'spo2-low',
      redSince: '2025-03-04T08:00:00.000Z', escalatedAt: '2025-03-04T08:17:30.000Z', minutesUnacknowledged: 17,
      url: escalation.alertUrl, text: expect.stringContaining(escalation.alertUrl),
    })
  })

  it('sends no signature without a secret', async () => {
    await new WebhookNotifier({ url: hook.url }).notify(escalation)
    expect((await hook.requests.next()).headers[SIGNATURE_HEADER.toLowerCase()]).toBeUndefined()
  })

  it.each([500, 404, 302])('fails on HTTP %i, naming the origin but not the path (often a token)', async (status) => {
    hook.answerWith(status)
    try {
      const error = await new WebhookNotifier({ url: `${hook.url}/T0K3N` }).notify(escalation).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(NotifyError)
      expect(error).toMatchObject({ code: 'http-status', detail: `${new URL(hook.url).origin} answered HTTP ${status}` })
      expect((error as Error).message).not.toContain('T0K3N')
      expect((await hook.requests.next()).status).toBe(status)
    } finally {
      hook.answerWith(204)
    }
  })

  it('gives up after its timeout when the receiver does not answer', async () => {
    const silent = await silentServer()
    try {
      const error = await new WebhookNotifier({ url: silent.url, timeoutMs: 200 }).notify(escalation).catch((e: unknown) => e)
      expect(error).toMatchObject({ code: 'timeout', detail: expect.stringContaining('within 200 ms') })
    } finally {
      silent.server.closeAllConnections()
      silent.server.close()
    }
  })

  it('fails when nothing listens', async () => {
    const silent = await silentServer()
    await new Promise((resolve) => silent.server.close(resolve))
    const error = await new WebhookNotifier({ url: silent.url }).notify(escalation).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'network', detail: expect.stringContaining('ECONNREFUSED') })
  })
})

describe('EmailNotifier', () => {
  it('sends the notice over SMTP with the credentials of the URL, to every recipient', async () => {
    const notifier = new EmailNotifier({ smtpUrl: smtp.url, from: 'varde@oslo.kommune.no', to: ['vakt@oslo.kommune.no', 'lege@oslo.kommune.no'] })
    await notifier.notify(escalation)
    const mail = await smtp.mails.next()
    expect(mail).toMatchObject({ from: 'varde@oslo.kommune.no', to: ['vakt@oslo.kommune.no', 'lege@oslo.kommune.no'], username: 'sink' })
    expect(mail.parsed.subject).toBe(composeEscalationMessage(escalation).subject)
    expect(mail.parsed.text).toContain(`Åpne varselet i Varde: ${escalation.alertUrl}`)
    expect(mail.parsed.text).toContain('English: A red alert has not been acknowledged for 17 minutes')
  })

  it('fails with an smtp error when the server cannot be reached', async () => {
    const silent = await silentServer()
    const port = (silent.server.address() as AddressInfo).port
    await new Promise((resolve) => silent.server.close(resolve))
    const notifier = new EmailNotifier({ smtpUrl: `smtp://127.0.0.1:${port}`, from: 'varde@oslo.kommune.no', to: ['vakt@oslo.kommune.no'], timeoutMs: 2000 })
    await expect(notifier.notify(escalation)).rejects.toMatchObject({ code: 'smtp' })
  })
})

describe('buildNotifiers', () => {
  it('builds what the configuration names, and nothing without it', () => {
    expect(buildNotifiers(loadPlatformConfig({ VARDE_MODE: 'demo' }))).toEqual([])
    const notifiers = buildNotifiers(loadPlatformConfig({
      VARDE_MODE: 'demo', VARDE_ESCALATION_WEBHOOK_URL: hook.url, VARDE_SMTP_URL: smtp.url,
      VARDE_ESCALATION_EMAIL_TO: 'vakt@oslo.kommune.no', VARDE_ESCALATION_EMAIL_FROM: 'varde@oslo.kommune.no',
    }))
    expect(notifiers.map((n) => [n.name, n.constructor.name])).toEqual([['webhook', 'WebhookNotifier'], ['email', 'EmailNotifier']])
  })
})
