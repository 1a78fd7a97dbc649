import { describe, expect, it } from 'vitest'
import { ConfigError, describePlatformConfig, loadPlatformConfig, servicePassword } from './platform-config.js'

describe('loadPlatformConfig', () => {
  it('applies the contract defaults in demo mode', () => {
    const c = loadPlatformConfig({ VARDE_MODE: 'demo' }, () => 'x'.repeat(40))
    expect(c).toMatchObject({
      httpPort: 8080, mqttPort: 1883, mqttsPort: 8883, dataDir: './data',
      databaseUrl: undefined, simulator: true, bindHost: '127.0.0.1', isServiceSecretGenerated: true,
    })
  })
  it('sizes the database pool by VARDE_DB_POOL_SIZE, each part\'s default when unset', () => {
    expect(loadPlatformConfig({ VARDE_MODE: 'demo', VARDE_DB_POOL_SIZE: '12' }).dbPoolSize).toBe(12)
    expect(loadPlatformConfig({ VARDE_MODE: 'demo' }).dbPoolSize).toBeUndefined()
  })
  it('turns the simulator off with VARDE_SIMULATOR=off', () => {
    expect(loadPlatformConfig({ VARDE_MODE: 'demo', VARDE_SIMULATOR: 'off' }).simulator).toBe(false)
  })
  it.each([
    [{ VARDE_HTTP_PORT: 'eighty' }, /VARDE_HTTP_PORT/],
    [{ VARDE_MQTT_PORT: '70000' }, /VARDE_MQTT_PORT/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL: must be a postgres/],
    [{ VARDE_SIMULATOR: 'maybe' }, /VARDE_SIMULATOR/],
    [{ VARDE_PARTS: 'broker,toaster' }, /unknown part 'toaster'/],
    [{ VARDE_ALLOW_NO_TIMESCALEDB: 'yes' }, /VARDE_ALLOW_NO_TIMESCALEDB: must be 'true' or 'false'/],
    [{ VARDE_DB_POOL_SIZE: '0' }, /VARDE_DB_POOL_SIZE/],
    [{ VARDE_DB_POOL_SIZE: 'many' }, /VARDE_DB_POOL_SIZE/],
  ])('rejects %j with a clear message', (env, message) => {
    expect(() => loadPlatformConfig({ VARDE_MODE: 'demo', ...env })).toThrow(message)
  })
  it('requires a service secret and a real database in production', () => {
    try {
      loadPlatformConfig({ VARDE_MODE: 'production' })
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError)
      expect((e as ConfigError).problems.join('\n')).toMatch(/VARDE_SERVICE_SECRET.*\n.*DATABASE_URL/s)
    }
  })
  it('runs Node-RED (part flows) only beside the server, and in production only with its own credential key and tenant (docs/decisions/0020)', () => {
    const production = { VARDE_MODE: 'production', VARDE_SERVICE_SECRET: 's'.repeat(40), DATABASE_URL: 'postgres://db/varde' }
    expect(() => loadPlatformConfig({ ...production, VARDE_PARTS: 'server,flows' })).toThrow(/VARDE_FLOWS_CREDENTIAL_SECRET: required in production mode[\s\S]*VARDE_FLOWS_TENANT: required/)
    expect(() => loadPlatformConfig({ VARDE_MODE: 'demo', VARDE_PARTS: 'broker,flows' })).toThrow(/flows needs server in the same process/)
    expect(() => loadPlatformConfig({ ...production, VARDE_PARTS: 'server,flows', VARDE_FLOWS_TENANT: 'demo', VARDE_FLOWS_CREDENTIAL_SECRET: 'short' })).toThrow(/VARDE_FLOWS_CREDENTIAL_SECRET: must be at least 32/)
    const c = loadPlatformConfig({ ...production, VARDE_PARTS: 'server,flows', VARDE_FLOWS_TENANT: 'nabo', VARDE_FLOWS_CREDENTIAL_SECRET: 'k'.repeat(32) })
    expect(c.flows).toEqual({ tenantId: 'nabo', credentialSecret: 'k'.repeat(32), isDemoCredentialSecret: false })
    expect(describePlatformConfig(c)).toMatchObject({ VARDE_FLOWS_TENANT: 'nabo', VARDE_FLOWS_CREDENTIAL_SECRET: '(set)' })
    expect(loadPlatformConfig({ VARDE_MODE: 'demo', VARDE_PARTS: 'server,flows' }).flows).toMatchObject({ tenantId: 'demo', isDemoCredentialSecret: true })
  })
  it('requires TimescaleDB in production unless VARDE_ALLOW_NO_TIMESCALEDB=true; demo takes what it gets', () => {
    const production = { VARDE_MODE: 'production', VARDE_SERVICE_SECRET: 's3cret-s3cret-s3cret-s3cret-s3cret', DATABASE_URL: 'postgres://db/varde' }
    expect(loadPlatformConfig(production).requireTimescaledb).toBe(true)
    expect(loadPlatformConfig({ ...production, VARDE_ALLOW_NO_TIMESCALEDB: 'false' }).requireTimescaledb).toBe(true)
    const allowed = loadPlatformConfig({ ...production, VARDE_ALLOW_NO_TIMESCALEDB: 'true' })
    expect(allowed.requireTimescaledb).toBe(false)
    expect(describePlatformConfig(allowed).VARDE_ALLOW_NO_TIMESCALEDB).toBe('true')
    expect(loadPlatformConfig({ VARDE_MODE: 'demo' }).requireTimescaledb).toBe(false)
  })
  it('migrates with the owner URL when given, masked when printed, and only beside DATABASE_URL', () => {
    const production = { VARDE_MODE: 'production', VARDE_SERVICE_SECRET: 's3cret-s3cret-s3cret-s3cret-s3cret', DATABASE_URL: 'postgres://varde_app:pw@db/varde' }
    expect(loadPlatformConfig(production).migrateDatabaseUrl).toBeUndefined()
    const owned = loadPlatformConfig({ ...production, VARDE_MIGRATE_DATABASE_URL: 'postgres://varde_owner:owner-pw@db/varde' })
    expect(owned.migrateDatabaseUrl).toBe('postgres://varde_owner:owner-pw@db/varde')
    expect(describePlatformConfig(owned).VARDE_MIGRATE_DATABASE_URL).toBe('postgres://varde_owner:********@db/varde')
    expect(() => loadPlatformConfig({ VARDE_MODE: 'demo', VARDE_MIGRATE_DATABASE_URL: 'postgres://o@db/v' })).toThrow(/VARDE_MIGRATE_DATABASE_URL: needs DATABASE_URL/)
  })
  it('never prints secrets or database passwords', () => {
    const c = loadPlatformConfig({
      VARDE_MODE: 'production', VARDE_SERVICE_SECRET: 's3cret-s3cret-s3cret-s3cret-s3cret',
      DATABASE_URL: 'postgres://varde:hunter2@db:5432/varde',
    })
    const printed = JSON.stringify(describePlatformConfig(c))
    expect(printed).not.toContain('hunter2')
    expect(printed).not.toContain('s3cret')
    expect(printed).toContain('postgres://varde:********@db:5432/varde')
  })
  it('takes the broker\'s Redis and TLS files, masks the Redis password, and wants both TLS files or neither', () => {
    const c = loadPlatformConfig({
      VARDE_MODE: 'demo', VARDE_REDIS_URL: 'redis://:hunter2@redis:6379/0', VARDE_TLS_CERT_FILE: '/etc/varde/cert.pem', VARDE_TLS_KEY_FILE: '/etc/varde/key.pem',
    })
    expect(c).toMatchObject({ redisUrl: 'redis://:hunter2@redis:6379/0', tlsCertFile: '/etc/varde/cert.pem', tlsKeyFile: '/etc/varde/key.pem' })
    expect(JSON.stringify(describePlatformConfig(c))).not.toContain('hunter2')
    expect(() => loadPlatformConfig({ VARDE_MODE: 'demo', VARDE_TLS_CERT_FILE: '/etc/varde/cert.pem' })).toThrow(/set both or neither/)
    expect(() => loadPlatformConfig({ VARDE_MODE: 'demo', VARDE_REDIS_URL: 'http://redis' })).toThrow(/VARDE_REDIS_URL/)
  })
  it('derives a different MQTT password per service', () => {
    expect(servicePassword('m'.repeat(32), 'ingest')).not.toBe(servicePassword('m'.repeat(32), 'server'))
  })
})
