import type { PlatformConfig } from '@varde/config'
import type { Pool } from '@varde/db'
import { DEFAULT_BACKOFF, fhirRestTransport, startDeliveryWorker, startDemoReceiver } from '@varde/forwarding'
import type { Logger } from 'pino'

export interface Forwarding {
  /** The parts to stop, in the order they started (the receiver before the worker that sends to it). */
  parts: { name: string; stop: () => Promise<unknown> }[]
  /** Demo mode: where the demo GP practice receives (VARDE_DEMO_GP_FHIR_URL, or the built-in receiver). */
  demoGpFhirUrl: string | undefined
}

/**
 * The forwarding part (issue 18; docs/decisions/0013): the delivery worker,
 * and in demo mode without VARDE_DEMO_GP_FHIR_URL the receiver built into
 * demo mode (platform-contract.md "Forwarding (demo mode)"), so the demo GP
 * practice's deliveries show as delivered. Any number of processes may run
 * it: claims are SKIP LOCKED.
 */
export async function startForwarding(o: { config: PlatformConfig; db: Pool; logger: Logger; host: string }): Promise<Forwarding> {
  const { config, logger } = o
  const parts: Forwarding['parts'] = []
  let demoGpFhirUrl: string | undefined
  if (config.mode === 'demo') {
    demoGpFhirUrl = config.forwarding.demoGpFhirUrl
    if (!demoGpFhirUrl) {
      const receiver = await startDemoReceiver(o.host)
      parts.push({ name: 'demo-gp-receiver', stop: () => receiver.close() })
      demoGpFhirUrl = receiver.url
      logger.info({ part: 'forwarding', url: receiver.url }, 'the demo GP practice receives at the receiver built into demo mode')
    }
  }
  const worker = startDeliveryWorker({
    db: o.db, log: logger, transports: { 'fhir-rest': fhirRestTransport() }, demoBaseUrl: demoGpFhirUrl, publicUrl: config.publicUrl,
    pollIntervalMs: config.forwarding.pollIntervalMs, backoff: { ...DEFAULT_BACKOFF, maxAttempts: config.forwarding.maxAttempts },
  })
  parts.push({ name: 'forwarding', stop: () => worker.stop() })
  return { parts, demoGpFhirUrl }
}
