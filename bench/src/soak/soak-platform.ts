import { join, resolve } from 'node:path'
import { spawnUntilReady, type BenchChild } from '../ingest-children.js'

/**
 * The platform under the soak, always on the same ports and the same data
 * directory, in one of two layouts: `whole` (one process: embedded database,
 * broker, ingest, server, as `npm start` runs it without its simulator) or
 * `split` (the database, broker, ingest and server each a process of its
 * own, `VARDE_PARTS`, as deployed). Parts are killed with SIGKILL (nothing
 * flushed, no goodbye) and started again on the same directory. Every line a
 * process logs at error level or above is kept with its time, so the soak
 * can say which restart was followed by errors.
 */
export type ProcessName = 'whole' | 'database' | 'broker' | 'ingest' | 'server' | 'simulator'

export interface SoakPorts {
  mqtt: number
  http: number
  db: number
}

export interface SoakPlatformOptions {
  dataDir: string
  ports: SoakPorts
  serviceSecret: string
  /** Added to every process's environment (the memory soak turns the simulator on). */
  env?: NodeJS.ProcessEnv
  /** Node options of every process (the memory soak preloads its probe). */
  execArgv?: string[]
  /** Writes each process's output to `<prefix>-<name>.log` too. */
  logPrefix?: string | undefined
  /** Sees every line each process prints (the memory soak reads its samples). */
  onLine?: (process: ProcessName, line: string) => void
}

export interface ErrorLine {
  at: number
  process: ProcessName
  line: string
}

const ROOT = resolve(import.meta.dirname, '..', '..', '..')
export const PLATFORM_MAIN = join(ROOT, 'platform', 'dist', 'main.js')
const READY_TEXT = 'Varde is running'
// pino's level numbers: 50 error, 60 fatal
const ERROR_LEVEL = 50

export class SoakPlatform {
  readonly databaseUrl: string
  readonly mqttUrl: string
  readonly httpUrl: string
  readonly errors: ErrorLine[] = []
  private readonly running = new Map<ProcessName, BenchChild>()
  private readonly options: SoakPlatformOptions

  constructor(options: SoakPlatformOptions) {
    this.options = options
    this.databaseUrl = `postgres://postgres@127.0.0.1:${options.ports.db}/postgres?sslmode=disable`
    this.mqttUrl = `mqtt://127.0.0.1:${options.ports.mqtt}`
    this.httpUrl = `http://127.0.0.1:${options.ports.http}`
  }

  get layout(): 'whole' | 'split' | 'down' {
    if (this.running.has('whole')) return 'whole'
    return this.running.size > 0 ? 'split' : 'down'
  }

  /** The processes now running, by name (for memory samples). */
  processes(): BenchChild[] {
    return [...this.running.values()]
  }

  async startWhole(): Promise<void> {
    await this.start('whole', { VARDE_PARTS: 'broker,ingest,server', VARDE_MQTT_PORT: String(this.options.ports.mqtt), VARDE_HTTP_PORT: String(this.options.ports.http) })
  }

  /** One after the other, as each seeds the demo data it finds missing (concurrent seeding would race). */
  async startSplit(): Promise<void> {
    await this.startPart('database')
    await this.startPart('broker')
    await this.startPart('ingest')
    await this.startPart('server')
  }

  async startPart(name: Exclude<ProcessName, 'whole'>): Promise<void> {
    const { ports } = this.options
    const viaDatabase = { DATABASE_URL: this.databaseUrl }
    const env: Record<Exclude<ProcessName, 'whole'>, NodeJS.ProcessEnv> = {
      database: { VARDE_PARTS: '', VARDE_HTTP_PORT: '0', VARDE_MQTT_PORT: '0' },
      broker: { ...viaDatabase, VARDE_PARTS: 'broker', VARDE_MQTT_PORT: String(ports.mqtt), VARDE_HTTP_PORT: '0' },
      ingest: { ...viaDatabase, VARDE_PARTS: 'ingest', VARDE_HTTP_PORT: '0', VARDE_MQTT_PORT: '0' },
      server: { ...viaDatabase, VARDE_PARTS: 'server', VARDE_HTTP_PORT: String(ports.http), VARDE_MQTT_PORT: '0' },
      simulator: { ...viaDatabase, VARDE_PARTS: 'simulator', VARDE_HTTP_PORT: '0', VARDE_MQTT_PORT: '0' },
    }
    await this.start(name, env[name])
  }

  /** SIGKILL, all at once, and resolves once every one has exited. */
  async kill(names: ProcessName[]): Promise<void> {
    const victims = names.map((n) => {
      const child = this.running.get(n)
      if (!child) throw new Error(`soak: cannot kill ${n}, it is not running (layout ${this.layout})`)
      this.running.delete(n)
      return child
    })
    await Promise.all(victims.map((c) => c.stop(0)))
  }

  /** SIGTERM to each (the server and ingest before the broker, the database last), SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    const order: ProcessName[] = ['simulator', 'server', 'ingest', 'whole', 'broker', 'database']
    for (const name of order) {
      const child = this.running.get(name)
      if (!child) continue
      this.running.delete(name)
      await child.stop(graceMs)
    }
  }

  private async start(name: ProcessName, env: NodeJS.ProcessEnv): Promise<void> {
    if (this.running.has(name)) throw new Error(`soak: ${name} is already running`)
    const { options } = this
    const child = await spawnUntilReady({
      name,
      script: PLATFORM_MAIN,
      execArgv: options.execArgv,
      env: {
        ...process.env, VARDE_MODE: 'demo', VARDE_SIMULATOR: 'off', VARDE_DATA_DIR: options.dataDir, VARDE_SERVICE_SECRET: options.serviceSecret,
        VARDE_LOG_LEVEL: 'warn', VARDE_MQTT_URL: this.mqttUrl, VARDE_MQTTS_PORT: '0', VARDE_BIND_HOST: '127.0.0.1', VARDE_DB_PORT: String(options.ports.db),
        ...options.env, ...env,
      },
      readyText: READY_TEXT,
      logFile: options.logPrefix ? `${options.logPrefix}-${name}.log` : undefined,
      onLine: (line) => {
        options.onLine?.(name, line)
        if (isErrorLine(line)) this.errors.push({ at: Date.now(), process: name, line: line.length > 600 ? `${line.slice(0, 600)}…` : line })
      },
    })
    this.running.set(name, child)
    // a process that dies by itself is a finding, whatever the figures say
    void child.exited.then((code) => {
      if (this.running.get(name) !== child) return
      this.running.delete(name)
      this.errors.push({ at: Date.now(), process: name, line: `exited by itself (code ${code}): ${child.tail()}` })
    })
  }
}

function isErrorLine(line: string): boolean {
  if (!line.startsWith('{')) return false
  try {
    const { level } = JSON.parse(line) as { level?: unknown }
    return typeof level === 'number' && level >= ERROR_LEVEL
  } catch {
    return false
  }
}
