#!/usr/bin/env node
/**
 * The multi-process stack of deploy/compose.yaml on this machine, without a
 * container engine: Debian's PostgreSQL (a throwaway cluster) and
 * redis-server, N brokers on Redis behind a TCP load balancer, M ingest
 * processes (each answering its partition of the gateways), S servers and
 * F forwarding workers (0 for none).
 * The same services, commands and environment as the Compose file; only the
 * database (no TimescaleDB here, so VARDE_ALLOW_NO_TIMESCALEDB=true) and the
 * load balancer (a round-robin TCP proxy in this process instead of HAProxy)
 * stand in. See deploy/README.md, "Trying it here".
 *
 *   npm run build
 *   node deploy/run-local.mjs [--brokers 2] [--ingest 3] [--servers 2] [--forwarding 1] [--mqtt-port 1883] [--http-port 8080]
 *                              [--mode demo|production] [--dir DIR] [--json]
 *
 * Ctrl-C (SIGINT) or SIGTERM stops everything, in reverse order, and removes
 * the cluster. Each process's output goes to DIR/logs/<name>.log. With
 * --json, one line `{"vardeStack": {...}}` on stdout says where everything is
 * (for the test, platform/test/multi-process.test.ts).
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createWriteStream, existsSync } from 'node:fs'
import { mkdir, mkdtemp } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const PLATFORM_MAIN = join(ROOT, 'platform/dist/main.js')
const INGEST_MAIN = join(ROOT, 'ingest/dist/main.js')
const POSTGRES_SERVER = join(ROOT, 'packages/db/dist/postgres-server.js')
/** How long a process may take to say it is ready (a 2-core machine starting seven Node processes at once). */
const READY_DEADLINE_MS = 90_000

const { values: opt } = parseArgs({
  options: {
    brokers: { type: 'string', default: '2' },
    ingest: { type: 'string', default: '3' },
    servers: { type: 'string', default: '2' },
    forwarding: { type: 'string', default: '1' },
    'mqtt-port': { type: 'string', default: '1883' },
    'http-port': { type: 'string', default: '8080' },
    mode: { type: 'string', default: 'demo' },
    dir: { type: 'string' },
    json: { type: 'boolean', default: false },
    'log-level': { type: 'string', default: 'info' },
  },
})
const count = (name, max, min = 1) => {
  const n = Number(opt[name])
  if (!Number.isInteger(n) || n < min || n > max) fail(`--${name} must be ${min} to ${max} (got ${opt[name]})`)
  return n
}
const brokers = count('brokers', 16)
const ingests = count('ingest', 64)
const servers = count('servers', 16)
const forwarders = count('forwarding', 8, 0)
if (!['demo', 'production'].includes(opt.mode)) fail(`--mode must be demo or production (got ${opt.mode})`)
for (const file of [PLATFORM_MAIN, INGEST_MAIN, POSTGRES_SERVER]) if (!existsSync(file)) fail(`${file} is missing: run npm run build first`)

function fail(message) {
  console.error(`run-local: ${message}`)
  process.exit(2)
}
const say = (line) => (opt.json ? process.stderr : process.stdout).write(`${line}\n`)

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}
const portOf = async (raw) => (raw === '0' ? freePort() : Number(raw))

/** What is running, stopped in reverse by stopAll(). */
const stack = []
let stopping = false
async function stopAll(code) {
  if (stopping) return
  stopping = true
  while (stack.length) {
    const part = stack.pop()
    await part.stop().catch((err) => console.error(`run-local: stopping ${part.name}: ${err.message}`))
  }
  process.exit(code)
}
process.on('SIGINT', () => void stopAll(0))
process.on('SIGTERM', () => void stopAll(0))

/** A child process, its output to DIR/logs/<name>.log, ready once its output shows `readyText`. */
function startChild(name, command, args, env, readyText, logDir) {
  const log = createWriteStream(join(logDir, `${name}.log`))
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  const closed = new Promise((resolve) => child.once('close', resolve))
  stack.push({
    name,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        const kill = setTimeout(() => child.kill('SIGKILL'), 15_000)
        await closed
        clearTimeout(kill)
      }
      log.end()
    },
  })
  return new Promise((resolve, reject) => {
    let seen = ''
    const deadline = setTimeout(() => reject(new Error(`${name} did not start within ${READY_DEADLINE_MS / 1000} s; see ${join(logDir, `${name}.log`)}`)), READY_DEADLINE_MS)
    const onData = (chunk) => {
      log.write(chunk)
      if (seen === null) return
      seen += chunk.toString()
      if (seen.includes(readyText)) {
        seen = null
        clearTimeout(deadline)
        resolve(child)
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    void closed.then((code) => {
      clearTimeout(deadline)
      if (seen !== null) reject(new Error(`${name} exited (${code}) before it was ready:\n${seen.slice(-2000)}`))
      else if (!stopping) {
        console.error(`run-local: ${name} exited (${code}); stopping the stack (see ${join(logDir, `${name}.log`)})`)
        void stopAll(1)
      }
    })
  })
}

/** The load balancer's stand-in: each TCP connection to the next broker in turn, the next one if that one refuses. */
function startTcpBalancer(port, backends) {
  let next = 0
  const sockets = new Set()
  const server = createServer((client) => {
    sockets.add(client)
    client.once('close', () => sockets.delete(client))
    client.on('error', () => client.destroy())
    const tryBackend = (attempt) => {
      const backend = backends[next++ % backends.length]
      const upstream = connect(backend, '127.0.0.1')
      upstream.once('connect', () => {
        upstream.setNoDelay(true)
        client.setNoDelay(true)
        client.pipe(upstream).pipe(client)
        upstream.on('error', () => client.destroy())
        upstream.once('close', () => client.destroy())
        client.once('close', () => upstream.destroy())
      })
      upstream.once('error', () => (attempt + 1 < backends.length && !client.destroyed ? tryBackend(attempt + 1) : client.destroy()))
    }
    tryBackend(0)
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      stack.push({
        name: 'load-balancer',
        stop: () => new Promise((r) => {
          for (const s of sockets) s.destroy()
          server.close(() => r())
        }),
      })
      resolve(server.address().port)
    })
  })
}

async function main() {
  const dir = opt.dir ?? (await mkdtemp(join(tmpdir(), 'varde-stack-')))
  const logDir = join(dir, 'logs')
  await mkdir(logDir, { recursive: true })
  say(`run-local: ${brokers} brokers, ${ingests} ingest, ${servers} servers, ${forwarders} forwarding; logs in ${logDir}`)

  // PostgreSQL: a cluster of Debian's packages (docs/decisions/0009), the roles of deploy/README.md "Database"
  const { startPostgresServer } = await import(pathToFileURL(POSTGRES_SERVER).href)
  const pgServer = await startPostgresServer()
  stack.push({ name: 'postgresql', stop: () => pgServer.stop() })
  const pg = createRequire(join(ROOT, 'packages/db/package.json'))('pg')
  const ownerPassword = randomBytes(12).toString('hex')
  const appPassword = randomBytes(12).toString('hex')
  const admin = new pg.Client({ connectionString: pgServer.url })
  await admin.connect()
  try {
    await admin.query(`CREATE ROLE varde_owner LOGIN PASSWORD '${ownerPassword}'`)
    await admin.query('CREATE DATABASE varde OWNER varde_owner')
    await admin.query('CREATE ROLE varde_platform NOLOGIN')
    await admin.query(`CREATE ROLE varde_app LOGIN PASSWORD '${appPassword}' IN ROLE varde_platform`)
  } finally {
    await admin.end()
  }
  const pgPort = new URL(pgServer.url).port
  const ownerUrl = `postgres://varde_owner:${ownerPassword}@127.0.0.1:${pgPort}/varde`
  const appUrl = `postgres://varde_app:${appPassword}@127.0.0.1:${pgPort}/varde`

  // Redis, durable as decision 4 asks (it holds acknowledged QoS 1 messages)
  const redisPort = await freePort()
  const redisDir = join(dir, 'redis')
  await mkdir(redisDir, { recursive: true })
  await startChild('redis', 'redis-server', [
    '--port', String(redisPort), '--bind', '127.0.0.1', '--dir', redisDir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec',
  ], {}, 'Ready to accept connections', logDir).catch((err) => {
    throw new Error(`redis-server could not start (apt-get install redis-server): ${err.message}`)
  })

  const common = {
    VARDE_MODE: opt.mode,
    DATABASE_URL: appUrl,
    VARDE_SERVICE_SECRET: randomBytes(24).toString('hex'),
    VARDE_ALLOW_NO_TIMESCALEDB: 'true',
    VARDE_BIND_HOST: '127.0.0.1',
    VARDE_SIMULATOR: 'off',
    VARDE_LOG_LEVEL: opt['log-level'],
    VARDE_METRICS: 'on',
  }
  const brokerPorts = []
  const startBroker = async (i) => {
    const [mqtt, mqtts, ws] = [await freePort(), await freePort(), await freePort()]
    brokerPorts[i] = mqtt
    await startChild(`broker-${i}`, process.execPath, [PLATFORM_MAIN], {
      ...common, VARDE_PARTS: 'broker', VARDE_MIGRATE_DATABASE_URL: ownerUrl, VARDE_REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      VARDE_MQTT_PORT: String(mqtt), VARDE_MQTTS_PORT: String(mqtts), VARDE_HTTP_PORT: String(ws), VARDE_DATA_DIR: join(dir, `broker-${i}`),
    }, 'Stop with Ctrl-C.', logDir)
  }
  // the first broker migrates (as the schema's owner) and, in demo mode, seeds; the others start once that is done
  await startBroker(0)
  await Promise.all(Array.from({ length: brokers - 1 }, (_, i) => startBroker(i + 1)))
  const mqttPort = await startTcpBalancer(await portOf(opt['mqtt-port']), brokerPorts)
  const mqttUrl = `mqtt://127.0.0.1:${mqttPort}`

  const httpBase = await portOf(opt['http-port'])
  const httpPorts = await Promise.all(Array.from({ length: servers }, async (_, i) => (opt['http-port'] === '0' ? freePort() : httpBase + i)))
  await Promise.all([
    ...Array.from({ length: ingests }, (_, i) => startChild(`ingest-${i}`, process.execPath, [INGEST_MAIN], {
      ...common, VARDE_MQTT_URL: mqttUrl, VARDE_INGEST_PARTITION: `${i}/${ingests}`,
    }, '"event":"ready"', logDir)),
    ...httpPorts.map((port, i) => startChild(`server-${i}`, process.execPath, [PLATFORM_MAIN], {
      ...common, VARDE_PARTS: 'server', VARDE_MQTT_URL: mqttUrl, VARDE_HTTP_PORT: String(port), VARDE_DATA_DIR: join(dir, `server-${i}`),
    }, 'Stop with Ctrl-C.', logDir)),
    // the forwarding outbox's delivery workers (compose: forwarding-1); in demo mode each has the demo GP practice's
    // receiver and the Pasientens måledata stand-in built in (platform-contract.md "Forwarding (demo mode)")
    ...Array.from({ length: forwarders }, (_, i) => startChild(`forwarding-${i}`, process.execPath, [PLATFORM_MAIN], {
      ...common, VARDE_PARTS: 'forwarding', VARDE_MQTT_URL: mqttUrl, VARDE_DATA_DIR: join(dir, `forwarding-${i}`),
    }, 'Stop with Ctrl-C.', logDir)),
  ])

  const where = {
    dir, mode: opt.mode, mqttUrl, brokerUrls: brokerPorts.map((p) => `mqtt://127.0.0.1:${p}`),
    serverUrls: httpPorts.map((p) => `http://127.0.0.1:${p}`), ingest: ingests, forwarding: forwarders, databaseOwnerUrl: ownerUrl, databaseUrl: appUrl,
    redisUrl: `redis://127.0.0.1:${redisPort}`,
  }
  if (opt.json) process.stdout.write(`${JSON.stringify({ vardeStack: where })}\n`)
  say([
    '',
    `  Varde is running: ${brokers} brokers behind ${mqttUrl}, ${ingests} ingest processes, ${servers} servers, ${forwarders} forwarding workers`,
    ...where.serverUrls.map((u, i) => `  Server ${i}: ${u}/`),
    `  Database (owner, for psql and the gateway CLI): ${ownerUrl}`,
    opt.mode === 'demo' ? '  Logins: sykepleier, lege, admin / demo; gateways demo-gw-001 … (secret: <id>-secret)' : '',
    '  Stop with Ctrl-C.',
    '',
  ].filter((l) => l !== '').join('\n'))
}

main().catch((err) => {
  console.error(`run-local: ${err.message}`)
  void stopAll(1)
})
