import { createHmac, timingSafeEqual } from 'node:crypto'
import { createServer } from 'node:net'
import { Writable } from 'node:stream'
import { createBroker, type VardeBroker } from '@varde/broker'
import { servicePassword, serviceUsername } from '@varde/config'
import { createPool, seedDemo, type Queryable } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import { INTERNAL_TOPICS, type AlertChangedEvent } from '@varde/domain'
import { EmailNotifier, SIGNATURE_HEADER, WebhookNotifier } from '@varde/notify'
import { Inbox, startSmtpSink, startWebhookSink, type SmtpSink, type WebhookSink } from '@varde/notify/testing'
import mqtt, { type MqttClient } from 'mqtt'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEscalation, startOutboxRelay, type EscalationOptions, type EscalationService, type OutboxRelay } from '../src/index.js'

// Escalation against the real parts: the embedded database, the broker (the
// change event), an SMTP server (the e-mail) and an HTTP server (the webhook).
const logger = pino({ level: 'silent' })
const serviceSecret = 'escalation-test-secret-0123456789abcdef'
const webhookSecret = 'webhook-secret-0123456789'
const publicUrl = 'https://varde.test.kommune.no'
const emailTo = ['vakt@test.kommune.no', 'lege@test.kommune.no']

let db: TestDatabase
let broker: VardeBroker
let relay: OutboxRelay
let listener: MqttClient
let smtp: SmtpSink
let hook: WebhookSink
let escalation: EscalationService
let patient: { id: string; displayName: string; nationalId: string }
const changes = new Inbox<AlertChangedEvent>()

const connectService = (service: 'ingest' | 'server', mqttUrl: string) =>
  mqtt.connectAsync(mqttUrl, { username: serviceUsername(service), password: servicePassword(serviceSecret, service), protocolVersion: 4, reconnectPeriod: 0 })

const notifiers = () => [
  new WebhookNotifier({ url: hook.url, secret: webhookSecret, timeoutMs: 2000 }),
  new EmailNotifier({ smtpUrl: smtp.url, from: 'varde@test.kommune.no', to: emailTo, timeoutMs: 2000 }),
]

const start = (overrides: Partial<EscalationOptions> = {}) =>
  startEscalation({
    db: db.pool, onEscalated: () => relay.wake(), notifiers: notifiers(), afterMinutes: 15, checkIntervalMs: 3_600_000, log: logger, publicUrl,
    retryDelayMs: 10, ...overrides,
  })

beforeAll(async () => {
  db = await startTestDatabase()
  const [home] = await seedDemo(db.pool)
  const { rows } = await db.pool.query<{ display_name: string; national_id: string }>('SELECT display_name, national_id FROM patients WHERE id = $1', [home!.patientId])
  patient = { id: home!.patientId, displayName: rows[0]!.display_name, nationalId: rows[0]!.national_id }
  broker = await createBroker({ db: db.pool, logger, serviceSecret, mode: 'demo' })
  const mqttUrl = `mqtt://127.0.0.1:${await broker.listen(0, '127.0.0.1')}`
  relay = startOutboxRelay({ db: db.pool, mqttUrl, serviceSecret, logger })
  await relay.ready
  listener = await connectService('server', mqttUrl)
  await listener.subscribeAsync(INTERNAL_TOPICS.alertsChanged, { qos: 1 })
  listener.on('message', (_topic, payload) => changes.push(JSON.parse(payload.toString()) as AlertChangedEvent))
  smtp = await startSmtpSink()
  hook = await startWebhookSink()
  escalation = start()
})
afterAll(async () => {
  await escalation?.stop()
  await relay?.stop()
  await listener?.endAsync()
  await broker?.close()
  await smtp?.close()
  await hook?.close()
  await db?.stop()
})

/**
 * An alert as the rules worker writes it, with a value and the patient's
 * name in its texts so the test can prove they stay inside. `redMinutesAgo`
 * null: yellow.
 */
async function insertAlert(p: { key: string; redMinutesAgo: number | null; status?: 'open' | 'acknowledged' }): Promise<string> {
  const finding = JSON.stringify({ readings: [{ type: 'spo2', value: 87, unit: '%' }], patient: patient.displayName })
  const { rows } = await db.pool.query<{ id: string }>(
    `INSERT INTO alerts (tenant_id, patient_id, alert_key, rule_id, rule_version, rule_kind, severity, status,
                         first_triggered_at, last_triggered_at, summary_nb, summary_en, first_finding, last_finding,
                         red_since, acknowledged_at, opened_at)
     VALUES ('demo', $1, $2, 'spo2-low', '1', 'threshold', $3, $4, now() - interval '1 hour', now(),
             'SpO2 87 % hos ' || $6, 'SpO2 87 % for ' || $6, $7::jsonb, $7::jsonb,
             now() - make_interval(mins => $5::int), CASE WHEN $4 = 'acknowledged' THEN now() END, now() - interval '1 hour')
     RETURNING id`,
    [patient.id, p.key, p.redMinutesAgo === null ? 'yellow' : 'red', p.status ?? 'open', p.redMinutesAgo, patient.displayName, finding],
  )
  return rows[0]!.id
}

async function historyOf(alertId: string): Promise<{ kind: string; details: Record<string, unknown> }[]> {
  const { rows } = await db.pool.query<{ kind: string; details: Record<string, unknown> }>(
    'SELECT kind, details FROM alert_events WHERE alert_id = $1 ORDER BY id', [alertId],
  )
  return rows
}

/** Nothing of the patient, and no measured value, in what leaves the health network. */
function expectNoHealthData(text: string): void {
  expect(text).not.toContain(patient.displayName)
  expect(text).not.toContain(patient.displayName.split(' ')[0])
  expect(text).not.toContain(patient.id)
  expect(text).not.toContain(patient.nationalId)
  expect(text).not.toMatch(/\b87\b/)
  expect(text).not.toMatch(/spo2 87|SpO2/)
}

describe('escalation of unacknowledged red alerts', () => {
  it('escalates a red alert unacknowledged past the limit once: event, signed webhook, e-mail with the link and nothing of the patient', async () => {
    const alertId = await insertAlert({ key: 'past-limit', redMinutesAgo: 20 })
    expect(await escalation.checkNow()).toBe(1)

    expect(await changes.next()).toEqual({
      tenantId: 'demo', patientId: patient.id, alertId, change: 'escalated', revision: 2, severity: 'red', status: 'open', at: expect.any(String),
    })

    const request = await hook.requests.next()
    const expected = `sha256=${createHmac('sha256', webhookSecret).update(request.body).digest('hex')}`
    expect(timingSafeEqual(Buffer.from(String(request.headers[SIGNATURE_HEADER.toLowerCase()])), Buffer.from(expected))).toBe(true)
    expect(JSON.parse(request.body)).toMatchObject({ event: 'alert.escalated', tenantId: 'demo', alertId, severity: 'red', ruleId: 'spo2-low', minutesUnacknowledged: 20, url: `${publicUrl}/alerts?alert=${alertId}` })
    expectNoHealthData(request.body)

    const mail = await smtp.mails.next()
    expect(mail.to).toEqual(emailTo)
    expect(mail.parsed.subject).toBe('[Varde demo] Rødt varsel ikke kvittert ut på 20 min / Red alert not acknowledged')
    expect(mail.parsed.text).toContain(`Åpne varselet i Varde: ${publicUrl}/alerts?alert=${alertId}`)
    expect(mail.parsed.text).toContain('English: A red alert has not been acknowledged for 20 minutes')
    expectNoHealthData(mail.raw)

    expect(await historyOf(alertId)).toEqual([
      { kind: 'escalated', details: expect.objectContaining({ afterMinutes: 15, revision: 2 }) },
      expect.objectContaining({ kind: 'notified' }),
      expect.objectContaining({ kind: 'notified' }),
    ])
    expect((await historyOf(alertId)).filter((e) => e.kind === 'notified').map((e) => e.details).sort((a, b) => String(a.notifier).localeCompare(String(b.notifier))))
      .toEqual([{ notifier: 'email', attempt: 1 }, { notifier: 'webhook', attempt: 1 }])

    // once: the next look finds nothing, and nothing more is sent
    expect(await escalation.checkNow()).toBe(0)
    expect([hook.requests.all.length, smtp.mails.all.length, changes.all.length]).toEqual([1, 1, 1])
  })

  it('leaves an acknowledged alert, a yellow alert and a red alert younger than the limit alone', async () => {
    const ids = [
      await insertAlert({ key: 'acknowledged', redMinutesAgo: 60, status: 'acknowledged' }),
      await insertAlert({ key: 'yellow', redMinutesAgo: null }),
      await insertAlert({ key: 'young', redMinutesAgo: 14 }),
    ]
    expect(await escalation.checkNow()).toBe(0)
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM alerts WHERE id = ANY($1) AND (escalated_at IS NOT NULL OR revision <> 1)', [ids])
    expect(rows[0]).toEqual({ n: 0 })
    for (const id of ids) expect(await historyOf(id)).toEqual([])
  })

  it('counts a yellow alert raised to red from the moment it turned red, not from when it opened', async () => {
    const alertId = await insertAlert({ key: 'raised', redMinutesAgo: null })
    // the rules raise it to red 5 minutes ago; it has been open for an hour
    await db.pool.query(`UPDATE alerts SET severity = 'red', red_since = now() - interval '5 minutes', revision = revision + 1 WHERE id = $1`, [alertId])
    expect(await escalation.checkNow()).toBe(0)
    // 11 minutes later (red_since moved back rather than waiting): 16 minutes red
    await db.pool.query(`UPDATE alerts SET red_since = red_since - interval '11 minutes' WHERE id = $1`, [alertId])
    expect(await escalation.checkNow()).toBe(1)
    expect(await changes.next()).toMatchObject({ alertId, change: 'escalated', revision: 3 })
    expect(JSON.parse((await hook.requests.next()).body)).toMatchObject({ alertId, minutesUnacknowledged: 16 })
    expect((await smtp.mails.next()).parsed.subject).toContain('16 min')
  })

  it('retries a failing webhook, records every failed attempt, and still sends the e-mail', async () => {
    hook.answerWith(500)
    try {
      const alertId = await insertAlert({ key: 'webhook-down', redMinutesAgo: 30 })
      expect(await escalation.checkNow()).toBe(1)
      expect(await changes.next()).toMatchObject({ alertId, change: 'escalated' })
      const attempts = [await hook.requests.next(), await hook.requests.next(), await hook.requests.next()]
      expect(attempts.map((r) => [JSON.parse(r.body).alertId, r.status])).toEqual([[alertId, 500], [alertId, 500], [alertId, 500]])
      expect((await smtp.mails.next()).parsed.text).toContain(`alerts?alert=${alertId}`)
      const history = await historyOf(alertId)
      expect(history.filter((e) => e.details.notifier === 'webhook')).toEqual([1, 2, 3].map((attempt) => ({
        kind: 'notification-failed',
        details: { notifier: 'webhook', attempt, willRetry: attempt < 3, error: expect.stringMatching(/^http-status: http:\/\/127\.0\.0\.1:\d+ answered HTTP 500$/) },
      })))
      expect(history.filter((e) => e.details.notifier === 'email')).toEqual([{ kind: 'notified', details: { notifier: 'email', attempt: 1 } }])
      expect(hook.requests.all.length).toBe(5) // 1 + 1 from the earlier cases, 3 here: no fourth attempt
    } finally {
      hook.answerWith(204)
    }
  })

  it('looks on its own timer, and a database outage is logged and retried at the next look', async () => {
    // a database that refuses connections: a port nothing listens on
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as { port: number }
        s.close(() => resolve(port))
      })
    })
    const down = createPool(`postgres://varde@127.0.0.1:${port}/varde`, { max: 1 })
    let current: Queryable = down
    const switchable: Queryable = { query: ((...args: Parameters<Queryable['query']>) => current.query(...args)) as Queryable['query'] }
    const logged = new Inbox<{ event?: string }>()
    const log = pino({ level: 'error' }, new Writable({ write(line, _enc, done) { logged.push(JSON.parse(String(line))); done() } }))
    const timed = start({ db: switchable, checkIntervalMs: 50, log })
    try {
      const alertId = await insertAlert({ key: 'timer', redMinutesAgo: 25 })
      expect(await logged.next()).toMatchObject({ event: 'check-failed', part: 'escalation' })
      current = db.pool // the database is back
      expect(await changes.next()).toMatchObject({ alertId, change: 'escalated' })
      expect(JSON.parse((await hook.requests.next()).body)).toMatchObject({ alertId })
      expect((await smtp.mails.next()).parsed.text).toContain(`alerts?alert=${alertId}`)
    } finally {
      await timed.stop()
      await down.end()
    }
  })
})
