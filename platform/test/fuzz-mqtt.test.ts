import fc from 'fast-check'
import { gatewayTopic, malformedReceiptSchema, receiptSchema } from '@varde/domain'
import mqtt, { type MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cleanBatch, fuzzPayload, KNOWN_HOSTILE, type FuzzPayload } from './fuzz-batches.js'
import { logIn, startRunningPlatform, type RunningPlatform } from './running-platform.js'

// Issue 14, "Fuzzing in CI", the MQTT half: fast-check payloads (fuzz-batches.ts)
// published by a gateway the admin API provisioned, on the running platform
// (the built one, as `npm start` runs it). After each: a receipt or a coded
// rejection within the deadline; the gateway's next clean batch receipted and
// accepted; /healthz 200; no error logged. VARDE_FUZZ_RUNS sets the number of
// inputs (default 150, about a minute), VARDE_FUZZ_SEED the seed (fixed by
// default, so CI sees the same inputs each time; a failure prints its seed and path).
const RUNS = Number(process.env.VARDE_FUZZ_RUNS ?? 150)
const SEED = process.env.VARDE_FUZZ_SEED === 'random' ? Date.now() : Number(process.env.VARDE_FUZZ_SEED ?? 1414)
const RECEIPT_DEADLINE_MS = 10_000

let platform: RunningPlatform
let gateway: { id: string; client: MqttClient; receipts: unknown[]; waiters: (() => void)[] }
let inputsTried = 0

beforeAll(async () => {
  platform = await startRunningPlatform()
  const admin = await logIn(platform.httpUrl, 'admin')
  const headers = { cookie: admin, 'content-type': 'application/json', origin: platform.httpUrl }
  // a gateway as an installer gets one: the admin API, for a patient whose old gateway is revoked first
  const list = (await (await fetch(`${platform.httpUrl}/api/admin/gateways`, { headers })).json()) as { items: { id: string; patientId: string }[] }
  const old = list.items.find((g) => g.id === 'demo-gw-014')
  if (!old) throw new Error('demo-gw-014 missing')
  expect((await fetch(`${platform.httpUrl}/api/admin/gateways/demo-gw-014/revoke`, { method: 'POST', headers, body: '{}' })).status).toBe(204)
  const created = await fetch(`${platform.httpUrl}/api/admin/gateways`, { method: 'POST', headers, body: JSON.stringify({ patientId: old.patientId }) })
  expect(created.status).toBe(201)
  const { id, secret } = (await created.json()) as { id: string; secret: string }
  const client = await mqtt.connectAsync(platform.mqttUrl, { clientId: id, username: id, password: secret, clean: false, protocolVersion: 4, reconnectPeriod: 500 })
  gateway = { id, client, receipts: [], waiters: [] }
  client.on('message', (_topic, payload) => {
    try {
      gateway.receipts.push(JSON.parse(payload.toString('utf8')))
    } catch {
      gateway.receipts.push({ unparsable: payload.toString('utf8') })
    }
    for (const w of gateway.waiters.splice(0)) w()
  })
  await client.subscribeAsync(gatewayTopic(id, 'receipts'), { qos: 1 })
}, 120_000)

afterAll(async () => {
  process.stdout.write(`fuzz mqtt: ${inputsTried} inputs tried (seed ${SEED}), each followed by a clean batch\n`)
  await gateway?.client.endAsync()
  await platform?.stop()
})

/** The next receipt that `isIt` accepts, or an error at the deadline naming what was sent. */
async function receiptFor(isIt: (r: Record<string, unknown>) => boolean, what: string): Promise<Record<string, unknown>> {
  const deadline = Date.now() + RECEIPT_DEADLINE_MS
  for (;;) {
    const i = gateway.receipts.findIndex((r) => isIt(r as Record<string, unknown>))
    if (i >= 0) return gateway.receipts.splice(i, 1)[0] as Record<string, unknown>
    const left = deadline - Date.now()
    if (left <= 0) throw new Error(`no receipt within ${RECEIPT_DEADLINE_MS} ms for ${what}; unmatched receipts: ${JSON.stringify(gateway.receipts).slice(0, 500)}`)
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, left)
      gateway.waiters.push(() => {
        clearTimeout(timer)
        resolve()
      })
    })
  }
}

async function publish(payload: Uint8Array): Promise<void> {
  await gateway.client.publishAsync(gatewayTopic(gateway.id, 'measurements'), Buffer.from(payload), { qos: 1 })
}

async function checkOne(input: FuzzPayload): Promise<void> {
  inputsTried += 1
  gateway.receipts.length = 0
  await publish(input.payload)
  const what = `${input.kind} (${input.payload.byteLength} bytes): ${JSON.stringify(Buffer.from(input.payload.slice(0, 160)).toString('utf8'))} hex ${Buffer.from(input.payload.slice(0, 48)).toString('hex')}`
  // its own receipt when it claims a batch id, else the next one
  const receipt = await receiptFor((r) => input.batchId === null || r.batchId === input.batchId || r.batchId === null, what)
  const normal = receiptSchema.safeParse(receipt)
  const malformed = malformedReceiptSchema.safeParse(receipt)
  expect(normal.success || malformed.success, `a receipt or a coded rejection for ${what}: ${JSON.stringify(receipt).slice(0, 300)}`).toBe(true)
  if (normal.success && input.goodIds.length > 0) {
    const answered = new Set([...normal.data.accepted, ...normal.data.duplicate])
    expect(input.goodIds.filter((id) => !answered.has(id)), `good neighbours of the bad measurement in ${what}`).toEqual([])
  }
  const clean = cleanBatch(2)
  await publish(clean.payload)
  const next = await receiptFor((r) => r.batchId === clean.batchId, `the clean batch after ${what}`)
  expect(next, `the clean batch after ${what}`).toMatchObject({ accepted: clean.ids, duplicate: [], rejected: [] })
}

describe('fuzzing the device protocol on the running platform', () => {
  it(`answers ${RUNS} hostile payloads with a receipt or a coded rejection, and the gateway's next clean batch is stored`, async () => {
    await fc.assert(
      fc.asyncProperty(fuzzPayload, async (build) => {
        await checkOne(build())
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true, examples: KNOWN_HOSTILE.map((build) => [build] as [() => FuzzPayload]) },
    )
    expect((await fetch(`${platform.httpUrl}/healthz`)).status).toBe(200)
    expect(platform.exitCode()).toBeNull()
    expect(platform.errorLines).toEqual([])
  }, 600_000)
})
