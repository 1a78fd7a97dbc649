import type { PlatformConfig } from '@varde/config'
import type { Pool } from '@varde/db'
import { connectFlowServices, startFlowAlertIntake, startFlowsRuntime, type FlowsRuntime } from '@varde/flows'
import { join } from 'node:path'
import type { Logger } from 'pino'

export interface Flows {
  /** The parts to stop, in the order they started. */
  parts: { name: string; stop: () => Promise<unknown> }[]
  runtime: FlowsRuntime
}

/**
 * The flows part (issue 23; docs/decisions/0020): Varde's intake of the
 * alerts flows raise, the services Varde's nodes act through, and Node-RED
 * for one tenant (VARDE_FLOWS_TENANT), whose editor the server answers at
 * /flows/. Started before the server, which is handed the runtime.
 */
export async function startFlows(o: { config: PlatformConfig; db: Pool; mqttUrl: string; logger: Logger }): Promise<Flows> {
  const { config, db, mqttUrl, logger } = o
  const tenantId = config.flows.tenantId
  const parts: Flows['parts'] = []
  try {
    const intake = startFlowAlertIntake({ db, tenantId, mqttUrl, serviceSecret: config.serviceSecret, logger })
    parts.push({ name: 'flows-intake', stop: () => intake.close() })
    const services = connectFlowServices({ db, tenantId, mqttUrl, serviceSecret: config.serviceSecret, logger })
    parts.push({ name: 'flows-services', stop: () => services.close() })
    await Promise.all([intake.ready, services.ready])
    if (config.flows.isDemoCredentialSecret) {
      logger.warn({ part: 'flows', event: 'flows-demo-credential-key' }, 'flow credentials are encrypted with the public demo key (set VARDE_FLOWS_CREDENTIAL_SECRET)')
    }
    const runtime = await startFlowsRuntime({
      db, tenantId, credentialSecret: config.flows.credentialSecret, services: services.services,
      userDir: join(config.dataDir, 'flows', tenantId), logger,
    })
    parts.push({ name: 'flows-runtime', stop: () => runtime.stop() })
    return { parts, runtime }
  } catch (error) {
    for (const part of parts.reverse()) await part.stop().catch(() => undefined)
    throw error
  }
}
