import { ConfigError, describePlatformConfig, loadPlatformConfig } from '@varde/config'
import { DEMO_USERS } from '@varde/db'
import { pino, type Logger } from 'pino'
import { startPlatform } from './start-platform.js'

/** `npm start`: the whole platform (or the parts in VARDE_PARTS), stopped cleanly on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  let config
  try {
    config = loadPlatformConfig()
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`varde: ${error.message}`)
      process.exit(2)
    }
    throw error
  }
  const logger: Logger = pino({
    level: config.logLevel,
    ...(process.stdout.isTTY ? { transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss', ignore: 'pid,hostname' } } } : {}),
  })
  logger.info({ config: describePlatformConfig(config) }, 'starting Varde')
  const platform = await startPlatform(config, logger)

  let stopping = false
  const shutdown = (signal: string) => {
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'shutting down')
    platform.stop().then(
      () => { logger.info('stopped'); logger.flush?.(); setTimeout(() => process.exit(0), 50).unref() },
      (error: unknown) => { logger.error({ err: error }, 'shutdown failed'); process.exit(1) },
    )
  }
  process.on('SIGINT', () => shutdown('SIGINT'))
  process.on('SIGTERM', () => shutdown('SIGTERM'))

  const lines = [
    '',
    '  Varde is running' + (config.mode === 'demo' ? ' in demo mode' : ''),
    platform.httpUrl ? `  Portal:  ${platform.httpUrl}/` : '',
    platform.httpUrl ? `  API:     ${platform.httpUrl}/api/docs   FHIR: ${platform.httpUrl}/fhir/metadata` : '',
    `  MQTT:    ${platform.mqttUrl}`,
    platform.mqttsUrl ? `  MQTTS:   ${platform.mqttsUrl}` : '',
    platform.mqttWebSocketUrl ? `  MQTT/WS: ${platform.mqttWebSocketUrl}` : '',
    // the gateway CLI (npm run varde -- gateway …) talks to this database: DATABASE_URL=<this>
    !config.databaseUrl ? `  Database: ${platform.databaseUrl}` : '',
  ]
  if (config.mode === 'demo') {
    lines.push(`  Logins:  ${DEMO_USERS.map((u) => `${u.username} / demo`).join(', ')}`)
    lines.push(`  Gateways: demo-gw-001 … demo-gw-${String(platform.demoHomes.length).padStart(3, '0')} (secret: <id>-secret)`)
    lines.push(`  Simulator: ${config.simulator ? 'feeding the demo patients' : 'off'}`)
  }
  lines.push('  Stop with Ctrl-C.', '')
  process.stdout.write(lines.filter((l) => l !== '').join('\n') + '\n\n')
}

main().catch((error: unknown) => {
  console.error('varde: failed to start:', error instanceof Error ? error.message : error)
  process.exit(1)
})
