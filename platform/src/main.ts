import { ConfigError, describePlatformConfig, loadPlatformConfig } from '@varde/config'
import { DEMO_USERS, NABO_TENANT, NABO_USERS } from '@varde/db'
import { pino, type Logger } from 'pino'
import { startPlatform } from './start-platform.js'

/** How long SIGINT/SIGTERM waits for the parts to stop cleanly before the process exits anyway. */
const SHUTDOWN_DEADLINE_MS = 10_000

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
  const exit = (code: number) => {
    logger.flush?.()
    setTimeout(() => process.exit(code), 50).unref()
  }
  // Issue 14, defect 3: a shutdown finishes within SHUTDOWN_DEADLINE_MS whatever a part is waiting for (a flush, a
  // database session held by a client). Nothing receipted is lost by cutting it short: a receipt is sent only after
  // its batch is committed, and gateways re-send what has no receipt. A second signal stops at once.
  const shutdown = (signal: string) => {
    if (stopping) {
      logger.warn({ signal, event: 'shutdown-forced', unfinished: platform.unfinished() }, 'second signal: stopping now')
      exit(1)
      return
    }
    stopping = true
    logger.info({ signal }, 'shutting down')
    const deadline = setTimeout(() => {
      const unfinished = platform.unfinished()
      logger.error({ event: 'shutdown-deadline', deadlineMs: SHUTDOWN_DEADLINE_MS, unfinished },
        `shutdown did not finish within ${SHUTDOWN_DEADLINE_MS / 1000} s; stopped with ${unfinished.parts.join(', ')} unfinished ` +
        '(nothing receipted is lost: gateways re-send what has no receipt)')
      exit(1)
    }, SHUTDOWN_DEADLINE_MS)
    platform.stop().then(
      () => { clearTimeout(deadline); logger.info('stopped'); exit(0) },
      (error: unknown) => { clearTimeout(deadline); logger.error({ err: error }, 'shutdown failed'); exit(1) },
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
    const gatewaysOf = (tenantId: string, prefix: string) => {
      const n = platform.demoHomes.filter((h) => h.tenantId === tenantId).length
      return `${prefix}-gw-001 … ${prefix}-gw-${String(n).padStart(3, '0')}`
    }
    lines.push(`  Logins:  ${DEMO_USERS.map((u) => `${u.username} / demo`).join(', ')}`)
    if (config.oidc.kind === 'demo' && platform.httpUrl) lines.push('  HelseID (demo): "Logg inn med HelseID (demo)", test persons sykepleier, lege, fastlege (niva3, ukjent are refused)')
    if (config.idPorten.kind === 'demo' && platform.httpUrl) lines.push('  ID-porten (demo, patients): "Logg inn med ID-porten (demo)", test person kari (Kari Nordmann; kari-minid, ola, ukjent are refused)')
    lines.push(`  Gateways: ${gatewaysOf('demo', 'demo')} (secret: <id>-secret)`)
    lines.push(`  Second tenant ${NABO_TENANT.id} (${NABO_TENANT.name}): logins ${NABO_USERS.map((u) => `${u.username} / demo`).join(', ')}; gateways ${gatewaysOf(NABO_TENANT.id, 'nabo')}`)
    lines.push(`  Simulator: ${config.simulator ? 'feeding the demo patients of both tenants' : 'off'}`)
  }
  lines.push('  Stop with Ctrl-C.', '')
  process.stdout.write(lines.filter((l) => l !== '').join('\n') + '\n\n')
}

main().catch((error: unknown) => {
  console.error('varde: failed to start:', error instanceof Error ? error.message : error)
  process.exit(1)
})
