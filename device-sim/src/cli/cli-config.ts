import { pino, type Logger } from 'pino'

/** Settings the CLI takes from the environment, read once at start. */
export interface CliEnvironment {
  mqttUrl: string
  httpUrl: string
  user: string
  password: string
}

export class UsageError extends Error {
  readonly code = 'usage'
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

export function readEnvironment(env: NodeJS.ProcessEnv = process.env): CliEnvironment {
  const port = (name: string, fallback: number): number => {
    const text = env[name]
    if (text === undefined || text === '') return fallback
    const n = Number(text)
    if (!Number.isInteger(n) || n < 1 || n > 65_535) throw new UsageError(`${name}=${text} is not a port number`)
    return n
  }
  return {
    mqttUrl: env['VARDE_SIM_MQTT_URL'] || `mqtt://127.0.0.1:${port('VARDE_MQTT_PORT', 1883)}`,
    httpUrl: env['VARDE_SIM_HTTP_URL'] || `http://127.0.0.1:${port('VARDE_HTTP_PORT', 8080)}`,
    user: env['VARDE_SIM_USER'] || 'sykepleier',
    password: env['VARDE_SIM_PASSWORD'] || 'demo',
  }
}

/** The options every command takes. */
export const COMMON_OPTIONS = {
  mqtt: { type: 'string' },
  http: { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
} as const

export interface CommonValues {
  mqtt?: string | undefined
  http?: string | undefined
  verbose?: boolean | undefined
  quiet?: boolean | undefined
}

export interface Connection {
  mqttUrl: string
  httpUrl: string
  logger: Logger
  isQuiet: boolean
}

export function connectionFrom(values: CommonValues, env: CliEnvironment): Connection {
  const mqttUrl = values.mqtt ?? env.mqttUrl
  const httpUrl = values.http ?? env.httpUrl
  for (const [name, url, schemes] of [['--mqtt', mqttUrl, ['mqtt:', 'mqtts:', 'ws:', 'wss:', 'tcp:']], ['--http', httpUrl, ['http:', 'https:']]] as const) {
    let parsed: URL
    try {
      parsed = new URL(url)
    } catch {
      throw new UsageError(`${name} ${url} is not a URL`)
    }
    if (!(schemes as readonly string[]).includes(parsed.protocol)) throw new UsageError(`${name} ${url}: use ${schemes.join(' ')}`)
  }
  const logger = pino({ level: values.verbose ? 'debug' : 'warn' }, pino.destination(2))
  return { mqttUrl, httpUrl, logger, isQuiet: values.quiet === true }
}

/** The settings in force, printed at start; the password masked. */
export function describeSettings(settings: Record<string, string | number | undefined>): string {
  return Object.entries(settings)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k} ${k === 'password' ? '****' : String(v)}`)
    .join(', ')
}
