import { fork } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createPool, hashSecret, migrate, seedDemo, startEmbeddedDatabase } from '@varde/db'
import mqtt, { type MqttClient } from 'mqtt'

/**
 * Connection capacity of one broker process: N idle gateways, each as the
 * protocol has it (persistent session, subscribed to its receipts and
 * commands, keep-alive 60 s), connected to one broker process on loopback.
 * Prints the broker's resident memory at steps of N, the memory per
 * connection, and the rate of logins (each one an argon2id verification).
 *
 *   npm run bench:broker -- 5000        (default 2000 gateways)
 */
const total = Number(process.argv[2] ?? 2000)
const parallel = Number(process.argv[3] ?? 64)
if (!Number.isInteger(total) || total < 10) throw new Error('usage: broker-connections.js [gateways >= 10] [parallel logins]')

const dir = await mkdtemp(join(tmpdir(), 'varde-bench-broker-'))
const database = await startEmbeddedDatabase({ dataDir: join(dir, 'db') })
await migrate(database.url)
const pool = createPool(database.url, { max: 1 })
await seedDemo(pool)
const secret = 'bench-gateway-secret'
// one hash for all: the broker still verifies it (argon2id) at every login
await pool.query(
  `INSERT INTO gateways (id, tenant_id, patient_id, secret_hash)
   SELECT 'bench-gw-' || lpad(i::text, 6, '0'), 'demo', NULL, $2 FROM generate_series(1, $1) AS i`,
  [total, await hashSecret(secret)],
)

const child = fork(fileURLToPath(new URL('./broker-process.js', import.meta.url)), [], {
  env: { ...process.env, DATABASE_URL: database.url, BENCH_BROKER_DIR: join(dir, 'broker') },
  execArgv: ['--expose-gc'],
})
const nextMessage = <T>() => new Promise<T>((resolve) => child.once('message', (m) => resolve(m as T)))
const { ready: port } = await nextMessage<{ ready: number }>()
const measure = async () => {
  const reply = nextMessage<{ rss: number; heapUsed: number; connectedGateways: number }>()
  child.send({ measure: true })
  return reply
}

const clients: MqttClient[] = []
async function connectOne(i: number): Promise<void> {
  const id = `bench-gw-${String(i).padStart(6, '0')}`
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
    clientId: id, username: id, password: secret, clean: false, protocolVersion: 4, keepalive: 60, reconnectPeriod: 0,
  })
  await client.subscribeAsync({ [`varde/v1/gateways/${id}/receipts`]: { qos: 1 }, [`varde/v1/gateways/${id}/commands`]: { qos: 1 } })
  clients.push(client)
}

const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1)
const base = await measure()
console.log(`broker process, ${total} idle gateways over TCP on loopback, ${parallel} logins in parallel`)
console.log(`  idle broker: RSS ${mib(base.rss)} MiB, heap ${mib(base.heapUsed)} MiB`)
console.log('  gateways   RSS MiB   heap MiB   KiB/conn (RSS)   KiB/conn (heap)   logins/s')
const steps = [0.25, 0.5, 0.75, 1].map((f) => Math.round(total * f))
let next = 1
const started = performance.now()
let last = { n: 0, at: started }
let result = base
for (const step of steps) {
  const stepStarted = performance.now()
  while (next <= step) {
    const batch: Promise<void>[] = []
    for (let k = 0; k < parallel && next <= step; k++) batch.push(connectOne(next++))
    await Promise.all(batch)
  }
  result = await measure()
  const rate = (step - last.n) / ((performance.now() - stepStarted) / 1000)
  last = { n: step, at: performance.now() }
  console.log(
    `  ${String(step).padStart(8)}   ${mib(result.rss).padStart(7)}   ${mib(result.heapUsed).padStart(8)}   ` +
    `${((result.rss - base.rss) / step / 1024).toFixed(1).padStart(14)}   ${((result.heapUsed - base.heapUsed) / step / 1024).toFixed(1).padStart(15)}   ${rate.toFixed(0).padStart(8)}`,
  )
}
const seconds = (performance.now() - started) / 1000
console.log(`  connected ${result.connectedGateways} of ${total} in ${seconds.toFixed(1)} s (${(total / seconds).toFixed(0)} logins/s overall)`)
console.log(`  per connection: ${((result.rss - base.rss) / total / 1024).toFixed(1)} KiB RSS, ${((result.heapUsed - base.heapUsed) / total / 1024).toFixed(1)} KiB heap`)

for (const c of clients) c.end(true)
const exited = new Promise((resolve) => child.once('exit', resolve))
child.send({ stop: true })
await exited
await pool.end()
await database.stop()
await rm(dir, { recursive: true, force: true })
