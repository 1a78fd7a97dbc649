import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The built platform as `npm start` runs it (one process, demo mode, its own
 * data directory and ports, simulator off), for suites that probe it from
 * outside (the fuzz campaigns). Keeps the lines it logs at error level, which
 * a suite may count as findings, and whether it died by itself.
 */
export interface RunningPlatform {
  httpUrl: string
  mqttUrl: string
  /** Error-level log lines (pino level ≥ 50) so far. */
  errorLines: string[]
  /** Non-null once the process has exited. */
  exitCode(): number | null | 'signal'
  stop(): Promise<void>
}

const PLATFORM_MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url))

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

export async function startRunningPlatform(env: NodeJS.ProcessEnv = {}): Promise<RunningPlatform> {
  if (!existsSync(PLATFORM_MAIN)) throw new Error(`${PLATFORM_MAIN} is missing: build first (npm run build)`)
  const dataDir = await mkdtemp(join(tmpdir(), 'varde-fuzz-'))
  const [http, mqttPort] = [await freePort(), await freePort()]
  const child: ChildProcess = spawn(process.execPath, [PLATFORM_MAIN], {
    env: {
      ...process.env, VARDE_MODE: 'demo', VARDE_SIMULATOR: 'off', VARDE_DATA_DIR: dataDir, VARDE_HTTP_PORT: String(http), VARDE_MQTT_PORT: String(mqttPort),
      VARDE_MQTTS_PORT: '0', VARDE_BIND_HOST: '127.0.0.1', VARDE_LOG_LEVEL: 'warn', ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const errorLines: string[] = []
  let exit: number | null | 'signal' = null
  const closed = new Promise<void>((resolve) => child.once('close', (code) => {
    exit = code ?? 'signal'
    resolve()
  }))
  let output = ''
  await new Promise<void>((resolve, reject) => {
    let isReady = false
    let partial = ''
    const onData = (chunk: Buffer) => {
      const text = partial + chunk.toString('utf8')
      const lines = text.split('\n')
      partial = lines.pop() ?? ''
      for (const line of lines) {
        if (!isReady) output += `${line}\n`
        if (/^\{.*"level":(5\d|6\d)/.test(line)) errorLines.push(line.length > 800 ? `${line.slice(0, 800)}…` : line)
        if (!isReady && line.includes('Varde is running')) {
          isReady = true
          resolve()
        }
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    void closed.then(() => {
      if (!isReady) reject(new Error(`the platform exited (${String(exit)}) before it was ready:\n${output.slice(-3000)}`))
    })
  })
  return {
    httpUrl: `http://127.0.0.1:${http}`,
    mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
    errorLines,
    exitCode: () => exit,
    async stop() {
      if (exit === null) {
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
        await closed
        clearTimeout(timer)
      }
      await rm(dataDir, { recursive: true, force: true })
    },
  }
}

/** A demo user's session cookie (`sykepleier`, `lege`, `admin`; password `demo`). */
export async function logIn(httpUrl: string, username: string): Promise<string> {
  const response = await fetch(`${httpUrl}/api/session`, {
    method: 'POST', headers: { 'content-type': 'application/json', origin: httpUrl }, body: JSON.stringify({ username, password: 'demo' }),
  })
  if (response.status !== 204) throw new Error(`login as ${username}: ${response.status} ${await response.text()}`)
  return (response.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
}
