import type { PlatformConfig } from '@varde/config'
import type { Pool } from '@varde/db'
import {
  DEFAULT_BACKOFF, fhirRestTransport, pmdTransport, startDeliveryWorker, startDemoReceiver, startPmdStandIn, staticTokenDpopAuth,
  type DpopAuth, type ForwardingTransport,
} from '@varde/forwarding'
import { createHelseIdMachineClient } from '@varde/helseid/dpop'
import { randomUUID } from 'node:crypto'
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
export async function startForwarding(o: {
  config: PlatformConfig; db: Pool; logger: Logger; host: string
  /** HelseID with DPoP for Pasientens måledata (the HelseID machine client, docs/decisions/0021); without it no PMD delivery outside demo mode. */
  pmdAuth?: DpopAuth
}): Promise<Forwarding> {
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
  // Pasientens måledata (docs/decisions/0018): VARDE_PMD_BASE_URL with HelseID; in demo mode without it, the stand-in
  // built into demo mode with a token and DPoP key of its own, so a PMD recipient shows a delivery
  const transports: Partial<Record<'fhir-rest' | 'pmd', ForwardingTransport>> = { 'fhir-rest': fhirRestTransport() }
  let pmdBaseUrl = config.forwarding.pmdBaseUrl
  // HelseID's machine client (VARDE_HELSEID_MACHINE_CLIENT_*, docs/decisions/0021) when configured: its DpopAuth is the
  // interface the PMD transport calls per request (forwarding/src/auth.ts)
  const machine = config.helseIdMachine
  let pmdAuth = o.pmdAuth ?? (machine
    ? createHelseIdMachineClient({ issuer: machine.issuer, clientId: machine.clientId, clientJwk: machine.clientJwk, ...(machine.dpopJwk ? { dpopJwk: machine.dpopJwk } : {}) })
    : undefined)
  if (config.mode === 'demo' && !pmdBaseUrl) {
    const standIn = await startPmdStandIn(o.host)
    parts.push({ name: 'demo-pmd-stand-in', stop: () => standIn.close() })
    const auth = await staticTokenDpopAuth(`demo-${randomUUID()}`)
    standIn.acceptToken(auth.token, auth.jkt)
    pmdBaseUrl = standIn.url
    pmdAuth = auth
  }
  if (pmdBaseUrl && pmdAuth) transports.pmd = pmdTransport({ auth: pmdAuth })
  else if (pmdBaseUrl) logger.warn({ part: 'forwarding', event: 'pmd-without-helseid' }, 'VARDE_PMD_BASE_URL is set but no HelseID client: deliveries to Pasientens måledata wait (and say so) until one is configured')
  const worker = startDeliveryWorker({
    db: o.db, log: logger, transports, demoBaseUrl: demoGpFhirUrl, pmdBaseUrl, publicUrl: config.publicUrl,
    pollIntervalMs: config.forwarding.pollIntervalMs, backoff: { ...DEFAULT_BACKOFF, maxAttempts: config.forwarding.maxAttempts },
  })
  parts.push({ name: 'forwarding', stop: () => worker.stop() })
  return { parts, demoGpFhirUrl }
}
