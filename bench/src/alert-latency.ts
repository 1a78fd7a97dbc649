import { runLoad } from '@varde/device-sim'
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { servicePassword, serviceUsername } from '@varde/config'
import { createPool } from '@varde/db'
import { INTERNAL_TOPICS } from '@varde/domain'
import mqtt from 'mqtt'
import { freePort, sampleProcess, spawnUntilReady, type BenchChild } from './ingest-children.js'
import { provisionBenchGateways } from './ingest-provisioning.js'

/**
 * Issue 5's device → alert latency: a red reading published by a gateway,
 * until the portal's SSE stream delivers the alert event: broker, ingest,
 * the rules worker, the internal alert topic, the server and SSE. Measured
 * twice in one run against one platform (demo data, embedded database; the
 * database, broker, ingest with its rules, and server each in a process of
 * its own, as deployed): idle (the baseline) and under the ingest bench's
 * 2,000 measurements/s from other gateways, with the ratio. Goal: p99 ≤ 1 s under load.
 *
 *   npm run bench:alerts                       (about 1 minute)
 *   npm run bench:alerts -- --rate 2000 --seconds 20 --samples 60 --gateways 200 --logs /tmp/alerts (one log file per process)
 */
const { values: args } = parseArgs({
  options: {
    rate: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '20' },
    samples: { type: 'string', default: '60' },
    gateways: { type: 'string', default: '200' },
    json: { type: 'boolean', default: false },
    logs: { type: 'string' },
  },
})
/** Seconds of load before the probes under load begin. */
const WARM_UP_S = 8
const rate = Number(args.rate)
const seconds = Number(args.seconds)
const samples = Number(args.samples)
const gatewayCount = Number(args.gateways)
for (const [name, n] of Object.entries({ rate, seconds, samples, gateways: gatewayCount })) {
  if (!Number.isFinite(n) || n <= 0) {
    console.error(`bench alerts: --${name} must be a positive number`)
    process.exit(2)
  }
}
const SERVICE_SECRET = 'bench-service-secret-0123456789abcdef'
const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`)
const root = resolve(import.meta.dirname, '..', '..')

interface Summary { count: number; p50: number; p90: number; p99: number; max: number }

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'varde-bench-alerts-'))
  const [http, mqttPort, dbPort] = [await freePort(), await freePort(), await freePort()]
  const databaseUrl = `postgres://postgres@127.0.0.1:${dbPort}/postgres?sslmode=disable`
  const httpUrl = `http://127.0.0.1:${http}`
  const mqttUrl = `mqtt://127.0.0.1:${mqttPort}`
  const common = {
    ...process.env, VARDE_MODE: 'demo', VARDE_SIMULATOR: 'off', VARDE_DATA_DIR: dataDir, VARDE_SERVICE_SECRET: SERVICE_SECRET,
    VARDE_LOG_LEVEL: args.logs ? 'info' : 'warn', VARDE_MQTT_URL: mqttUrl, VARDE_MQTTS_PORT: '0', VARDE_BIND_HOST: '127.0.0.1',
  }
  const main = join(root, 'platform', 'dist', 'main.js')
  const children: BenchChild[] = []
  const start = async (name: string, script: string, env: NodeJS.ProcessEnv, readyText: string) => {
    children.push(await spawnUntilReady({ name, script, env: { ...common, ...env }, readyText, logFile: args.logs ? `${args.logs}-${name}.log` : undefined }))
  }
  // As deployed: the database, the broker, ingest (with the rules) and the server each in a process of their
  // own (bench/README.md: in one process the database's synchronous statements stall everything else).
  log('starting the database, broker, ingest and server processes (simulator off)')
  await start('database', main, { VARDE_PARTS: '', VARDE_DB_PORT: String(dbPort), VARDE_HTTP_PORT: '0', VARDE_MQTT_PORT: '0' }, 'Varde is running')
  try {
    await start('broker', main, { VARDE_PARTS: 'broker', DATABASE_URL: databaseUrl, VARDE_MQTT_PORT: String(mqttPort), VARDE_HTTP_PORT: '0' }, 'Varde is running')
    await start('ingest', join(root, 'ingest', 'dist', 'main.js'), { DATABASE_URL: databaseUrl, VARDE_LOG_LEVEL: 'info' }, '"event":"ready"')
    await start('server', main, { VARDE_PARTS: 'server', DATABASE_URL: databaseUrl, VARDE_HTTP_PORT: String(http), VARDE_MQTT_PORT: '0' }, 'Varde is running')
    const gateways = await provisionBenchGateways(databaseUrl, gatewayCount)
    const sse = await openAlertStream(httpUrl)
    const internal = await watchInternalAlerts(mqttUrl)
    const patients = await demoPatients(databaseUrl)

    log(`idle: ${samples} red readings, one at a time`)
    const idle = await probe(mqttUrl, patients, sse, internal, samples, seconds)
    log(`under load: ${rate} measurements/s from ${gatewayCount} other gateways for ${WARM_UP_S} s of warm-up and ${seconds} s, with ${samples} red readings`)
    const peakRss = children.map(() => 0)
    const rss = setInterval(() => children.forEach((c, i) => { peakRss[i] = Math.max(peakRss[i] ?? 0, sampleProcess(c.pid)?.rssBytes ?? 0) }), 250)
    // the probes start once the platform has warmed up to the load (JIT, caches, the database's plans: its first
    // seconds at this rate are slower, as in npm run bench:ingest) and end before the load stops
    const load = runLoad({ mqttUrl, gateways, ratePerSecond: rate, batchSize: 1, durationSeconds: seconds + WARM_UP_S, drainSeconds: 10, resendAfterMs: 600_000 })
    await new Promise((r) => setTimeout(r, WARM_UP_S * 1000))
    const loaded = await probe(mqttUrl, patients, sse, internal, samples, Math.max(1, seconds - 4))
    const report = await load
    clearInterval(rss)
    sse.close()
    await internal.close()

    const result = {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model.trim() ?? 'unknown', node: process.version },
      settings: { rate, seconds, samples, gateways: gatewayCount },
      idle: idle.summary, idleMissed: idle.missed, idleStages: idle.stages,
      underLoad: loaded.summary, underLoadMissed: loaded.missed, underLoadStages: loaded.stages,
      load: { offeredPerSecond: Math.round(report.throughput.sentPerSecond), acceptedPerSecond: Math.round(report.throughput.acceptedPerSecond), unreceipted: report.unreceipted, errors: report.errors },
      peakRssMiB: Object.fromEntries(children.map((c, i) => [c.name, Math.round((peakRss[i] ?? 0) / 1024 / 1024)])),
      ratioP99: idle.summary && loaded.summary ? loaded.summary.p99 / Math.max(1, idle.summary.p99) : null,
      goalP99Ms: 1000,
    }
    if (args.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
    else process.stdout.write(`\n${format(result)}\n`)
    const isMet = result.underLoad !== null && result.underLoad.p99 <= 1000 && loaded.missed === 0
    process.exitCode = isMet ? 0 : 1
  } finally {
    for (const child of children.reverse()) await child.stop(0)
    rmSync(dataDir, { recursive: true, force: true })
  }
}

/** The portal's live stream, logged in as the demo nurse: alert events by patient. */
async function openAlertStream(httpUrl: string): Promise<{ next(patientId: string, afterRevision: number): Promise<{ at: number; revision: number }>; close(): void }> {
  const login = await fetch(`${httpUrl}/api/session`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'sykepleier', password: 'demo' }),
  })
  if (login.status !== 204) throw new Error(`login failed: ${login.status}`)
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
  const abort = new AbortController()
  const response = await fetch(`${httpUrl}/api/events`, { headers: { cookie, accept: 'text/event-stream' }, signal: abort.signal })
  if (!response.ok || !response.body) throw new Error(`SSE failed: ${response.status}`)
  const waiters: { patientId: string; afterRevision: number; resolve: (seen: { at: number; revision: number }) => void }[] = []
  void (async () => {
    const decoder = new TextDecoder()
    let buffer = ''
    try {
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
        const at = performance.now()
        buffer += decoder.decode(chunk, { stream: true })
        let end: number
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          if (!/^event: alert$/m.test(frame)) continue
          const data = frame.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n')
          const { alert } = JSON.parse(data) as { alert: { patientId: string; revision: number } }
          for (let i = waiters.length - 1; i >= 0; i--) {
            const w = waiters[i]
            if (w && w.patientId === alert.patientId && alert.revision > w.afterRevision) {
              waiters.splice(i, 1)
              w.resolve({ at, revision: alert.revision })
            }
          }
        }
      }
    } catch {
      // closed
    }
  })()
  return {
    next: (patientId, afterRevision) => new Promise<{ at: number; revision: number }>((resolve) => waiters.push({ patientId, afterRevision, resolve })),
    close: () => abort.abort(),
  }
}

/**
 * `count` red SpO2 readings (80 %), spread over `spreadSeconds`, each from
 * the next demo gateway, each timed from publish to its SSE alert event. The
 * first opens the patient's alert, later ones update it (count + 1): either
 * way one event, with a higher revision.
 */
async function probe(
  mqttUrl: string, patientOf: Map<string, string>, sse: Awaited<ReturnType<typeof openAlertStream>>,
  internal: Awaited<ReturnType<typeof watchInternalAlerts>>, count: number, spreadSeconds: number,
): Promise<{ summary: Summary | null; missed: number; stages: Stages }> {
  const homes = Array.from({ length: 14 }, (_, i) => `demo-gw-${String(i + 1).padStart(3, '0')}`)
  const clients = await Promise.all(homes.map((id) => mqtt.connectAsync(mqttUrl, { clientId: id, username: id, password: `${id}-secret`, protocolVersion: 4 })))
  // each probe's receipt: ingest stored the red reading (publish → receipt is ingest's share of the latency)
  const receiptAt = new Map<string, number>()
  for (const [i, c] of clients.entries()) {
    c.on('message', (_topic, payload) => {
      const at = performance.now()
      try { receiptAt.set((JSON.parse(payload.toString()) as { batchId: string }).batchId, at) } catch { /* not a receipt */ }
    })
    await c.subscribeAsync(`varde/v1/gateways/${homes[i] ?? ''}/receipts`, { qos: 1 })
  }
  const revisionOf = new Map<string, number>()
  const latencies: number[] = []
  const toReceipt: number[] = []
  const toInternal: number[] = []
  let missed = 0
  try {
    const gap = (spreadSeconds * 1000) / count
    for (let i = 0; i < count; i++) {
      const gatewayId = homes[i % homes.length] ?? 'demo-gw-001'
      const client = clients[i % clients.length]
      const patientId = patientOf.get(gatewayId)
      if (!client || !patientId) continue
      const revision = revisionOf.get(patientId) ?? 0
      const event = sse.next(patientId, revision)
      const announced = internal.next(patientId, revision)
      const sentAt = performance.now()
      const measuredAt = new Date().toISOString()
      const batchId = `probe-${Date.now()}-${i}`
      client.publish(`varde/v1/gateways/${gatewayId}/measurements`, JSON.stringify({
        batchId, sentAt: measuredAt,
        measurements: [{ id: 'm1', deviceId: 'AA:BB:CC:DD:EE:01', type: 'spo2', value: 80, unit: '%', measuredAt }],
      }), { qos: 1 })
      const seen = await Promise.race([event, new Promise<null>((r) => setTimeout(() => r(null), 10_000))])
      if (seen === null) missed++
      else {
        latencies.push(seen.at - sentAt)
        revisionOf.set(patientId, seen.revision)
        const receipted = receiptAt.get(batchId)
        if (receipted !== undefined) toReceipt.push(receipted - sentAt)
        const internalAt = await Promise.race([announced, Promise.resolve(null)])
        if (internalAt !== null) toInternal.push(internalAt - sentAt)
      }
      const wait = gap - (performance.now() - sentAt)
      if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    }
  } finally {
    await Promise.all(clients.map((c) => c.endAsync()))
  }
  return { summary: summarize(latencies), missed, stages: { receipt: summarize(toReceipt), internal: summarize(toInternal) } }
}

/** Where a probe's time went, each from its publish: its receipt (ingest stored it), its alert event on the internal topic (rules and outbox relay). */
interface Stages { receipt: Summary | null; internal: Summary | null }

/** The internal alert topic, as the server sees it (service credentials): when each patient's alert event reached the broker's subscribers. */
async function watchInternalAlerts(mqttUrl: string): Promise<{ next(patientId: string, afterRevision: number): Promise<number>; close(): Promise<void> }> {
  const client = await mqtt.connectAsync(mqttUrl, {
    clientId: `bench-alerts-watch-${process.pid}`, username: serviceUsername('server'), password: servicePassword(SERVICE_SECRET, 'server'), protocolVersion: 4,
  })
  const waiters: { patientId: string; afterRevision: number; resolve: (at: number) => void }[] = []
  client.on('message', (_topic, payload) => {
    const at = performance.now()
    const event = JSON.parse(payload.toString()) as { patientId: string; revision: number }
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i]
      if (w && w.patientId === event.patientId && event.revision > w.afterRevision) {
        waiters.splice(i, 1)
        w.resolve(at)
      }
    }
  })
  await client.subscribeAsync(INTERNAL_TOPICS.alertsChanged, { qos: 1 })
  return {
    next: (patientId, afterRevision) => new Promise<number>((resolve) => waiters.push({ patientId, afterRevision, resolve })),
    close: () => client.endAsync(),
  }
}

/** The demo gateways' patients, from the platform's own database (as the gateway CLI sees it). */
async function demoPatients(databaseUrl: string): Promise<Map<string, string>> {
  const pool = createPool(databaseUrl, { max: 1, applicationName: 'bench-alerts' })
  try {
    const { rows } = await pool.query<{ id: string; patient_id: string }>("SELECT id, patient_id FROM gateways WHERE id LIKE 'demo-gw-%'")
    return new Map(rows.map((r) => [r.id, r.patient_id]))
  } finally {
    await pool.end()
  }
}

function summarize(values: number[]): Summary | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0)
  return { count: sorted.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: Math.round(sorted[sorted.length - 1] ?? 0) }
}

function format(r: {
  date: string; machine: { cpus: number; cpuModel: string; node: string }; settings: Record<string, number>
  idle: Summary | null; idleMissed: number; underLoad: Summary | null; underLoadMissed: number; idleStages: Stages; underLoadStages: Stages
  load: { offeredPerSecond: number; acceptedPerSecond: number; unreceipted: number; errors: number }
  peakRssMiB: Record<string, number>; ratioP99: number | null; goalP99Ms: number
}): string {
  const row = (name: string, s: Summary | null, missed: number) =>
    s ? `  ${name.padEnd(34)} p50 ${String(s.p50).padStart(5)} ms  p90 ${String(s.p90).padStart(5)} ms  p99 ${String(s.p99).padStart(5)} ms  max ${String(s.max).padStart(5)} ms  (${s.count} alerts${missed ? `, ${missed} MISSED` : ''})`
      : `  ${name.padEnd(34)} no alert arrived (${missed} missed)`
  const isMet = r.underLoad !== null && r.underLoad.p99 <= r.goalP99Ms && r.underLoadMissed === 0
  const part = (s: Summary | null) => (s ? `p50 ${s.p50} p99 ${s.p99} max ${s.max}` : 'n/a')
  const stage = (name: string, s: Stages) => `    ${name}, from publish: receipt (stored) ${part(s.receipt)} ms; internal alert event ${part(s.internal)} ms`
  return [
    `Device → alert latency (publish of a red reading → SSE alert event), ${r.date}`,
    `  machine: ${r.machine.cpus} × ${r.machine.cpuModel}, Node ${r.machine.node}; database (embedded), broker, ingest + rules, server: one process each`,
    row('idle (baseline)', r.idle, r.idleMissed),
    row(`under ${r.settings.rate} measurements/s`, r.underLoad, r.underLoadMissed),
    stage('idle', r.idleStages),
    stage('under load', r.underLoadStages),
    `  load: offered ${r.load.offeredPerSecond}/s, stored ${r.load.acceptedPerSecond}/s, ${r.load.unreceipted} unreceipted, ${r.load.errors} errors`,
    `  peak RSS: ${Object.entries(r.peakRssMiB).map(([name, mib]) => `${name} ${mib} MiB`).join(', ')}`,
    `  p99 under load ÷ idle: ${r.ratioP99 === null ? 'n/a' : r.ratioP99.toFixed(2)}×   goal p99 ≤ ${r.goalP99Ms} ms under load: ${isMet ? 'met' : 'NOT met'}`,
  ].join('\n')
}

main().catch((error: unknown) => {
  console.error(`bench alerts failed: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
})
