import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import {
  buildReceipt,
  gatewayTopic,
  judgeBatch,
  syncClockCommand,
  VITAL_TYPES,
  type ReadingFlag,
} from '@varde/domain'
import mqtt, { type MqttClient } from 'mqtt'
import type { OpenAlert } from '../../src/index.js'

export interface StoredReading {
  gatewayId: string
  batchId: string
  measurementId: string
  deviceId: string
  type: string
  value: number
  unit: string
  measuredAt: Date
  flags: ReadingFlag[]
}

const PAGE_SIZE = 7

/**
 * A stand-in for the platform in integration tests, faithful to the protocol
 * because it judges with the domain's own `judgeBatch`: idempotent storage by
 * (gateway, batchId, id), receipts, malformed-batch answers, sync-clock on a
 * skewed clock. Its HTTP side serves what platform-contract.md promises the
 * simulator reads: session login, FHIR Device and Observation (paged), open
 * alerts; and records the rule changes a scenario makes.
 */
export class JudgingPlatform {
  readonly readings: StoredReading[] = []
  readonly statuses: { gatewayId: string; payload: string }[] = []
  /** What `GET /api/alerts?status=open` answers; tests set it. */
  alerts: OpenAlert[] = []
  /** Bodies of `PUT /api/patients/:id/rules/:ruleId`, as received. */
  readonly ruleChanges: { patientId: string; ruleId: string; body: Record<string, unknown> }[] = []
  private readonly keys = new Set<string>()

  private constructor(
    private readonly client: MqttClient,
    private readonly server: Server,
    readonly httpUrl: string,
  ) {}

  static patientOf(gatewayId: string): string {
    return `p-${gatewayId}`
  }

  static async start(mqttUrl: string): Promise<JudgingPlatform> {
    const client = await mqtt.connectAsync(mqttUrl, { clientId: `judging-platform-${process.pid}`, protocolVersion: 4, clean: true, reconnectPeriod: 100 })
    const server = createServer()
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const address = server.address()
    if (address === null || typeof address === 'string') throw new Error('no TCP address')
    const platform = new JudgingPlatform(client, server, `http://127.0.0.1:${address.port}`)
    server.on('request', (req, res) => platform.onRequest(req, res))
    client.on('message', (topic, payload) => platform.onMessage(topic, payload))
    await client.subscribeAsync({ 'varde/v1/gateways/+/measurements': { qos: 1 }, 'varde/v1/gateways/+/status': { qos: 1 } })
    return platform
  }

  async close(): Promise<void> {
    await this.client.endAsync(true)
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  private onMessage(topic: string, payload: Buffer): void {
    const [, , , gatewayId = '', channel] = topic.split('/')
    if (channel === 'status') {
      this.statuses.push({ gatewayId, payload: payload.toString() })
      return
    }
    const receivedAt = new Date()
    const judgement = judgeBatch(payload, { receivedAt })
    if (!judgement.ok) {
      void this.client.publishAsync(gatewayTopic(gatewayId, 'receipts'), JSON.stringify(judgement.receipt), { qos: 1 })
      return
    }
    const duplicate = new Set<string>()
    for (const r of judgement.readings) {
      const key = `${gatewayId}|${judgement.batchId}|${r.measurementId}|${r.type}`
      if (this.keys.has(key)) {
        duplicate.add(r.measurementId)
        continue
      }
      this.keys.add(key)
      this.readings.push({
        gatewayId, batchId: judgement.batchId, measurementId: r.measurementId, deviceId: r.deviceId,
        type: r.type, value: r.value, unit: r.unit, measuredAt: r.measuredAt, flags: r.flags,
      })
    }
    void this.client.publishAsync(gatewayTopic(gatewayId, 'receipts'), JSON.stringify(buildReceipt(judgement, { duplicate })), { qos: 1 })
    if (judgement.isClockAdjusted) {
      void this.client.publishAsync(gatewayTopic(gatewayId, 'commands'), JSON.stringify(syncClockCommand(receivedAt)), { qos: 1 })
    }
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.httpUrl)
    const send = (status: number, body?: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/fhir+json', ...headers })
      res.end(body === undefined ? undefined : JSON.stringify(body))
    }
    const rulePath = /^\/api\/patients\/([^/]+)\/rules(?:\/([^/]+))?$/.exec(url.pathname)
    if (rulePath && req.method === 'PUT' && rulePath[2] !== undefined) {
      if (!(req.headers.cookie ?? '').includes('varde_session=s3cr3t')) return send(401, { error: { code: 'unauthorized', message: 'not logged in' } })
      const [, patientId = '', ruleId = ''] = rulePath
      let text = ''
      req.on('data', (chunk: Buffer) => (text += chunk.toString()))
      req.on('end', () => {
        const body = JSON.parse(text) as Record<string, unknown>
        if (ruleId === 'no-such-rule') return send(400, { error: { code: 'unknown-rule', message: 'no rule no-such-rule for this patient' } })
        this.ruleChanges.push({ patientId: decodeURIComponent(patientId), ruleId: decodeURIComponent(ruleId), body })
        send(200, { id: decodeURIComponent(ruleId) })
      })
      return
    }
    if (req.method === 'POST' && url.pathname === '/api/session') {
      let text = ''
      req.on('data', (chunk: Buffer) => (text += chunk.toString()))
      req.on('end', () => {
        const { username, password } = JSON.parse(text) as { username?: string; password?: string }
        if (username === 'sykepleier' && password === 'demo') send(204, undefined, { 'set-cookie': 'varde_session=s3cr3t; HttpOnly; Path=/' })
        else send(401, { error: 'invalid credentials' })
      })
      return
    }
    if (!(req.headers.cookie ?? '').includes('varde_session=s3cr3t')) return send(401, { error: 'not logged in' })
    if (url.pathname === '/api/alerts') return send(200, { items: this.alerts.filter((a) => a.status === url.searchParams.get('status')) })
    if (rulePath && rulePath[2] === undefined) return send(200, { patientId: rulePath[1], timeZone: 'Europe/Oslo', rules: [] })
    if (url.pathname === '/fhir/Device') return send(200, this.devices(url.searchParams.get('identifier') ?? ''))
    if (url.pathname === '/fhir/Observation') return send(200, this.observations(url))
    send(404, { error: 'not found' })
  }

  private devices(identifier: string): unknown {
    const gateway = this.readings.find((r) => r.gatewayId === identifier)
    const device = this.readings.find((r) => r.deviceId === identifier)
    const resource = gateway
      ? { resourceType: 'Device', id: `gw-${identifier}`, patient: { reference: `Patient/${JudgingPlatform.patientOf(identifier)}` } }
      : device
        ? { resourceType: 'Device', id: deviceResourceId(identifier), patient: { reference: `Patient/${JudgingPlatform.patientOf(device.gatewayId)}` } }
        : null
    return { resourceType: 'Bundle', type: 'searchset', entry: resource ? [{ resource }] : [] }
  }

  /** A searchset of `PAGE_SIZE` per page, so the simulator has to follow `next`. */
  private observations(url: URL): unknown {
    const patient = url.searchParams.get('patient')
    // the simulator searches by combo-code (a blood-pressure panel's components); this platform serves no panels
    const code = url.searchParams.get('combo-code') ?? url.searchParams.get('code')
    const dates = url.searchParams.getAll('date')
    const ge = dates.find((d) => d.startsWith('ge'))
    const le = dates.find((d) => d.startsWith('le'))
    const matching = this.readings
      .filter((r) => JudgingPlatform.patientOf(r.gatewayId) === patient && VITAL_TYPES[r.type as keyof typeof VITAL_TYPES]?.loinc === code)
      .filter((r) => (ge === undefined || r.measuredAt.getTime() >= Date.parse(ge.slice(2))) && (le === undefined || r.measuredAt.getTime() <= Date.parse(le.slice(2))))
    const offset = Number(url.searchParams.get('_offset') ?? 0)
    const page = matching.slice(offset, offset + PAGE_SIZE)
    const next = new URL(url)
    next.searchParams.set('_offset', String(offset + PAGE_SIZE))
    return {
      resourceType: 'Bundle',
      type: 'searchset',
      total: matching.length,
      link: offset + PAGE_SIZE < matching.length ? [{ relation: 'next', url: next.toString() }] : [],
      entry: page.map((r, i) => ({
        resource: {
          resourceType: 'Observation',
          id: `obs-${offset + i}`,
          status: 'final',
          category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
          code: { coding: [{ system: 'http://loinc.org', code }] },
          valueQuantity: { value: r.value, unit: r.unit, system: 'http://unitsofmeasure.org', code: r.unit },
          effectiveDateTime: r.measuredAt.toISOString(),
          subject: { reference: `Patient/${patient}` },
          device: { reference: `Device/${deviceResourceId(r.deviceId)}` },
        },
      })),
    }
  }
}

function deviceResourceId(deviceId: string): string {
  return `dev-${deviceId.replaceAll(':', '').toLowerCase()}`
}
