import { createHmac, randomBytes } from 'node:crypto'
import { z } from 'zod'
import { clockConfigOf, clockEnvShape, describeClockConfig, type ClockConfig } from './clock-config.js'
import { escalationConfigOf, escalationEnvShape, maskWebhookUrl, type EscalationConfig } from './escalation-config.js'
import { describeHttpConfig, httpConfigOf, httpEnvShape, type HttpConfig } from './http-config.js'
import { describeForwardingConfig, forwardingConfigOf, forwardingEnvShape, type ForwardingConfig } from './forwarding-config.js'
import { describeIdPortenConfig, idPortenConfigOf, idPortenEnvShape, type IdPortenConfig } from './idporten-config.js'
import { describeOidcConfig, helseIdMachineConfigOf, oidcConfigOf, oidcEnvShape, sessionTimeoutsOf, type HelseIdMachineConfig, type OidcConfig, type SessionTimeouts } from './oidc-config.js'

export * from './clock-config.js'
export * from './escalation-config.js'
export * from './http-config.js'
export * from './forwarding-config.js'
export * from './oidc-config.js'
export * from './idporten-config.js'

/**
 * The platform's configuration, read once at start from environment
 * variables (platform-contract.md "Starting it"), validated, with defaults.
 * Every process (the composition root or a part started alone) uses this one
 * schema so a variable means the same everywhere.
 */
const port = z.coerce.number().int().min(0).max(65535)
const onOff = z.enum(['on', 'off'])

export const platformEnvSchema = z.object({
  VARDE_MODE: z.enum(['demo', 'production']).default('production'),
  VARDE_HTTP_PORT: port.default(8080),
  VARDE_MQTT_PORT: port.default(1883),
  VARDE_MQTTS_PORT: port.default(8883),
  /** Interface to listen on; demo mode defaults to loopback (demo passwords must not face a network). */
  VARDE_BIND_HOST: z.string().min(1).optional(),
  VARDE_DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  /**
   * The schema owner's URL the migrations run with, when DATABASE_URL logs in
   * as the platform's least-privileged role (varde_platform, which may not
   * change the schema); unset: DATABASE_URL migrates.
   */
  VARDE_MIGRATE_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  /**
   * Production refuses a database server without TimescaleDB unless this is
   * `true`: then measurements are a plain table (docs/decisions/0009-plain-postgresql.md).
   */
  VARDE_ALLOW_NO_TIMESCALEDB: z.enum(['true', 'false'], { message: "must be 'true' or 'false'" }).default('false'),
  /** Embedded database port (loopback only); 0 picks a free one. */
  VARDE_DB_PORT: port.default(0),
  /** The embedded database logs each request that held its one session at least this long (`slow-statement`). */
  VARDE_DB_SLOW_MS: z.coerce.number().int().positive().default(250),
  /**
   * Connections each process keeps to the database (its pool); unset: 4 for
   * the platform, 2 for ingest alone. Size it to the server's max_connections
   * over the processes (deploy/README.md "Capacity").
   */
  VARDE_DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).optional(),
  VARDE_SIMULATOR: onOff.optional(),
  /** How often each simulated demo home measures, in seconds. */
  VARDE_SIMULATOR_INTERVAL_S: z.coerce.number().positive().default(20),
  /** Where services started alone find the broker. */
  VARDE_MQTT_URL: z.string().regex(/^mqtts?:\/\//, 'must be an mqtt:// URL').optional(),
  /** Redis shared by several broker instances (sessions, queued messages, routing); unset: one broker, on disk. */
  VARDE_REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').optional(),
  /** PEM certificate (chain) and key of the MQTTS listener; unset in demo mode: a self-signed pair in $VARDE_DATA_DIR/tls. */
  VARDE_TLS_CERT_FILE: z.string().min(1).optional(),
  VARDE_TLS_KEY_FILE: z.string().min(1).optional(),
  /**
   * Master secret from which each internal service identity's MQTT password
   * is derived (HMAC). Required in production; generated per start in demo.
   */
  VARDE_SERVICE_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  VARDE_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Comma-separated parts to start in this process (default: all). */
  VARDE_PARTS: z.string().default('broker,ingest,forwarding,server,simulator'),
  /** The tenant whose flows this process's Node-RED runs (part `flows`, docs/decisions/0020); demo: `demo`. */
  VARDE_FLOWS_TENANT: z.string().regex(/^[a-z0-9-]{1,63}$/, 'must be a tenant id').optional(),
  /** The key Node-RED encrypts flow credentials with before they are stored; required in production with part `flows`. */
  VARDE_FLOWS_CREDENTIAL_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  ...escalationEnvShape,
  ...httpEnvShape,
  ...clockEnvShape,
  ...forwardingEnvShape,
  ...oidcEnvShape,
  ...idPortenEnvShape,
})

export type PlatformPart = 'broker' | 'ingest' | 'forwarding' | 'server' | 'simulator' | 'flows'
const PARTS: readonly PlatformPart[] = ['broker', 'ingest', 'forwarding', 'server', 'simulator', 'flows']

/** Node-RED (part `flows`, docs/decisions/0020): whose flows it runs and the key of their credentials. */
export interface FlowsConfig {
  tenantId: string
  credentialSecret: string
  /** True in demo mode without VARDE_FLOWS_CREDENTIAL_SECRET: a fixed, public demo key. */
  isDemoCredentialSecret: boolean
}

/** The demo's credential key: public, so demo credentials survive a restart; production refuses to start without its own. */
const DEMO_FLOWS_CREDENTIAL_SECRET = 'varde-demo-flows-credential-secret-not-for-production'

export interface PlatformConfig {
  mode: 'demo' | 'production'
  httpPort: number
  mqttPort: number
  mqttsPort: number
  bindHost: string
  dataDir: string
  databaseUrl: string | undefined
  /** Who migrates: the schema owner's URL (VARDE_MIGRATE_DATABASE_URL), else databaseUrl. */
  migrateDatabaseUrl: string | undefined
  /** Migrating refuses a server without TimescaleDB (production, unless VARDE_ALLOW_NO_TIMESCALEDB=true). */
  requireTimescaledb: boolean
  dbPort: number
  dbSlowMs: number
  /** The pool's size when set (VARDE_DB_POOL_SIZE); each composition root has its default. */
  dbPoolSize: number | undefined
  simulator: boolean
  simulatorIntervalMs: number
  mqttUrl: string
  redisUrl: string | undefined
  tlsCertFile: string | undefined
  tlsKeyFile: string | undefined
  serviceSecret: string
  isServiceSecretGenerated: boolean
  logLevel: string
  parts: Set<PlatformPart>
  /** The portal's address as users reach it, without a trailing slash (links in notices). */
  publicUrl: string
  escalation: EscalationConfig
  /** /metrics, /api/docs and the trusted proxy (http-config.ts). */
  http: HttpConfig
  /** The platform clock at start (clock-config.ts); null: the wall clock. */
  clock: ClockConfig
  /** Forwarding outside the municipality: the demo GP practice's endpoint, the worker's pace (forwarding-config.ts). */
  forwarding: ForwardingConfig
  /** HelseID login (oidc-config.ts): off, the demo stand-in, or a provider. */
  oidc: OidcConfig
  /** Patients' login with ID-porten (idporten-config.ts): off, the demo stand-in, or a provider. */
  idPorten: IdPortenConfig
  /** Idle and absolute timeouts of every session. */
  sessions: SessionTimeouts
  flows: FlowsConfig
  /** Varde as a HelseID client of national services (DPoP); null: not configured. */
  helseIdMachine: HelseIdMachineConfig | null
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.name = 'ConfigError'
  }
}

export function loadPlatformConfig(
  env: Record<string, string | undefined> = process.env,
  generateSecret: () => string = () => randomSecret(),
): PlatformConfig {
  const parsed = platformEnvSchema.safeParse(env)
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message} (got ${shownValue(String(i.path[0]), env[String(i.path[0])])})`),
    )
  }
  const e = parsed.data
  const problems: string[] = []
  const parts = new Set<PlatformPart>()
  for (const raw of e.VARDE_PARTS.split(',').map((s) => s.trim()).filter(Boolean)) {
    if ((PARTS as readonly string[]).includes(raw)) parts.add(raw as PlatformPart)
    else problems.push(`VARDE_PARTS: unknown part '${raw}' (known: ${PARTS.join(', ')})`)
  }
  const isDemo = e.VARDE_MODE === 'demo'
  if (!isDemo && !e.VARDE_SERVICE_SECRET) problems.push('VARDE_SERVICE_SECRET: required in production mode')
  if (!isDemo && !e.DATABASE_URL && !env.VARDE_ALLOW_EMBEDDED_DB)
    problems.push('DATABASE_URL: required in production mode (the embedded database is for demo and tests; set VARDE_ALLOW_EMBEDDED_DB=1 to override)')
  if (e.VARDE_MIGRATE_DATABASE_URL && !e.DATABASE_URL) problems.push('VARDE_MIGRATE_DATABASE_URL: needs DATABASE_URL (the embedded database migrates itself)')
  if (!isDemo && e.VARDE_SIMULATOR === 'on') problems.push('VARDE_SIMULATOR: the simulator runs only in demo mode')
  if (!e.VARDE_TLS_CERT_FILE !== !e.VARDE_TLS_KEY_FILE) problems.push('VARDE_TLS_CERT_FILE, VARDE_TLS_KEY_FILE: set both or neither')
  const escalation = escalationConfigOf(e, problems)
  const http = httpConfigOf(e, isDemo, problems)
  const clock = clockConfigOf(e, isDemo, problems)
  const forwarding = forwardingConfigOf(e, isDemo, problems)
  const oidc = oidcConfigOf(e, isDemo, problems)
  const idPorten = idPortenConfigOf(e, isDemo, problems)
  const helseIdMachine = helseIdMachineConfigOf(e, problems)
  if (!isDemo && (escalation.webhook || escalation.email) && !e.VARDE_PUBLIC_URL)
    problems.push('VARDE_PUBLIC_URL: required in production mode with escalation notices (their link must reach the portal)')
  if (parts.has('flows')) {
    if (!parts.has('server')) problems.push('VARDE_PARTS: flows needs server in the same process (the editor is served at /flows/ of its HTTP server)')
    if (!isDemo && !e.VARDE_FLOWS_CREDENTIAL_SECRET) problems.push('VARDE_FLOWS_CREDENTIAL_SECRET: required in production mode with part flows (the key of the flows\' credentials)')
    if (!isDemo && !e.VARDE_FLOWS_TENANT) problems.push('VARDE_FLOWS_TENANT: required in production mode with part flows')
  }
  if (problems.length > 0) throw new ConfigError(problems)
  const bindHost = e.VARDE_BIND_HOST ?? (isDemo ? '127.0.0.1' : '0.0.0.0')
  return {
    mode: e.VARDE_MODE,
    httpPort: e.VARDE_HTTP_PORT,
    mqttPort: e.VARDE_MQTT_PORT,
    // a process that asks for a free MQTT port (tests) gets a free MQTTS port too, unless it names one
    mqttsPort: env.VARDE_MQTTS_PORT === undefined && e.VARDE_MQTT_PORT === 0 ? 0 : e.VARDE_MQTTS_PORT,
    bindHost,
    dataDir: e.VARDE_DATA_DIR,
    databaseUrl: e.DATABASE_URL,
    migrateDatabaseUrl: e.VARDE_MIGRATE_DATABASE_URL,
    requireTimescaledb: !isDemo && e.VARDE_ALLOW_NO_TIMESCALEDB !== 'true',
    dbPort: e.VARDE_DB_PORT,
    dbSlowMs: e.VARDE_DB_SLOW_MS,
    dbPoolSize: e.VARDE_DB_POOL_SIZE,
    simulator: isDemo && (e.VARDE_SIMULATOR ?? 'on') === 'on',
    simulatorIntervalMs: Math.round(e.VARDE_SIMULATOR_INTERVAL_S * 1000),
    mqttUrl: e.VARDE_MQTT_URL ?? `mqtt://127.0.0.1:${e.VARDE_MQTT_PORT}`,
    redisUrl: e.VARDE_REDIS_URL,
    tlsCertFile: e.VARDE_TLS_CERT_FILE,
    tlsKeyFile: e.VARDE_TLS_KEY_FILE,
    serviceSecret: e.VARDE_SERVICE_SECRET ?? generateSecret(),
    isServiceSecretGenerated: !e.VARDE_SERVICE_SECRET,
    logLevel: e.VARDE_LOG_LEVEL,
    parts: parts,
    publicUrl: (e.VARDE_PUBLIC_URL ?? `http://localhost:${e.VARDE_HTTP_PORT}`).replace(/\/+$/, ''),
    escalation,
    http,
    clock,
    forwarding,
    oidc,
    idPorten,
    sessions: sessionTimeoutsOf(e),
    flows: {
      tenantId: e.VARDE_FLOWS_TENANT ?? 'demo',
      credentialSecret: e.VARDE_FLOWS_CREDENTIAL_SECRET ?? DEMO_FLOWS_CREDENTIAL_SECRET,
      isDemoCredentialSecret: !e.VARDE_FLOWS_CREDENTIAL_SECRET,
    },
    helseIdMachine,
  }
}

/** The configuration as printed at start: secrets and database passwords masked. */
export function describePlatformConfig(c: PlatformConfig): Record<string, string | number | boolean> {
  return {
    VARDE_MODE: c.mode,
    VARDE_HTTP_PORT: c.httpPort,
    VARDE_MQTT_PORT: c.mqttPort,
    VARDE_BIND_HOST: c.bindHost,
    VARDE_DATA_DIR: c.dataDir,
    DATABASE_URL: c.databaseUrl ? maskUrlPassword(c.databaseUrl) : '(embedded TimescaleDB)',
    VARDE_MIGRATE_DATABASE_URL: c.migrateDatabaseUrl ? maskUrlPassword(c.migrateDatabaseUrl) : '(unset: DATABASE_URL migrates)',
    VARDE_ALLOW_NO_TIMESCALEDB: c.requireTimescaledb ? 'false' : c.mode === 'demo' ? '(demo: plain PostgreSQL allowed)' : 'true',
    VARDE_SIMULATOR: c.simulator ? 'on' : 'off',
    VARDE_MQTT_URL: c.mqttUrl,
    VARDE_MQTTS_PORT: c.mqttsPort,
    VARDE_TLS_CERT_FILE: c.tlsCertFile ?? (c.mode === 'demo' ? '(self-signed, in VARDE_DATA_DIR/tls)' : '(unset: no MQTTS listener)'),
    VARDE_REDIS_URL: c.redisUrl ? maskUrlPassword(c.redisUrl) : '(unset: one broker, persistence on disk)',
    VARDE_SERVICE_SECRET: c.isServiceSecretGenerated ? '(generated for this run)' : '********',
    VARDE_LOG_LEVEL: c.logLevel,
    VARDE_DB_POOL_SIZE: c.dbPoolSize ?? '(default: 4, ingest alone 2)',
    VARDE_PARTS: [...c.parts].join(','),
    ...(c.parts.has('flows') ? {
      VARDE_FLOWS_TENANT: c.flows.tenantId,
      VARDE_FLOWS_CREDENTIAL_SECRET: c.flows.isDemoCredentialSecret ? '(demo key)' : '(set)',
    } : {}),
    VARDE_PUBLIC_URL: c.publicUrl,
    VARDE_ESCALATION_MINUTES: c.escalation.afterMinutes,
    VARDE_ESCALATION_CHECK_S: c.escalation.checkIntervalMs / 1000,
    VARDE_ESCALATION_WEBHOOK_URL: c.escalation.webhook ? maskWebhookUrl(c.escalation.webhook.url) : '(unset: no webhook)',
    VARDE_ESCALATION_WEBHOOK_SECRET: c.escalation.webhook?.secret ? '********' : '(unset: unsigned)',
    VARDE_SMTP_URL: c.escalation.email ? maskUrlPassword(c.escalation.email.smtpUrl) : '(unset: no e-mail)',
    VARDE_ESCALATION_EMAIL_TO: c.escalation.email?.to.join(',') ?? '(unset)',
    VARDE_ESCALATION_EMAIL_FROM: c.escalation.email?.from ?? '(unset)',
    ...describeHttpConfig(c.http),
    ...describeClockConfig(c.clock),
    ...describeForwardingConfig(c.forwarding, c.mode === 'demo'),
    ...describeOidcConfig(c.oidc, c.sessions),
    ...describeIdPortenConfig(c.idPorten),
    VARDE_HELSEID_MACHINE_CLIENT_ID: c.helseIdMachine?.clientId ?? '(unset: no machine access to national services)',
    VARDE_HELSEID_MACHINE_CLIENT_JWK: c.helseIdMachine ? '********' : '(unset)',
  }
}

/** A rejected value as named in the error: never a secret, nor a URL's password. */
function shownValue(name: string, value: string | undefined): string {
  if (value === undefined) return 'nothing'
  if (name.endsWith('_SECRET') || name.endsWith('_TOKEN') || name.endsWith('_JWK')) return '(hidden)'
  if (name.endsWith('_URL')) return JSON.stringify(maskUrlPassword(value))
  return JSON.stringify(value)
}

export function maskUrlPassword(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '********'
    return u.toString()
  } catch {
    return '(unparseable URL)'
  }
}

function randomSecret(): string {
  return randomBytes(32).toString('base64url')
}

/** Internal service identities on the broker (the colon makes them impossible gateway ids). */
export type ServiceName = 'ingest' | 'server' | 'flows'
export const serviceUsername = (service: ServiceName): string => `svc:${service}`

/** A service identity's MQTT password, derived from the master secret so each service can be given only its own. */
export function servicePassword(serviceSecret: string, service: ServiceName): string {
  return createHmac('sha256', serviceSecret).update(`varde-mqtt-service:${service}`).digest('base64url')
}
