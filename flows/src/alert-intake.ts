import { servicePassword, serviceUsername } from '@varde/config'
import type { Queryable } from '@varde/db'
import { INTERNAL_TOPICS } from '@varde/domain'
import { FLOWS_SERVICE_ROLE, serviceAccess, type FlowAlertInput } from '@varde/server'
import mqtt, { type MqttClient } from 'mqtt'
import type { Logger } from 'pino'
import { flowAlertRequestSchema } from './flow-alert-request.js'

/** Why an alert a flow raised was not opened (logged with the flow's id, never the content). */
export type FlowAlertRefusal = 'flow-alert-unreadable' | 'flow-alert-invalid' | `flow-alert-${string}`

/** Alert requests taken in one statement at most. */
const MAX_BATCH = 200

export interface FlowAlertIntake {
  ready: Promise<void>
  /** Alerts opened or counted, and refused, since the start. */
  stats(): { accepted: number; refused: number }
  close(): Promise<void>
}

/**
 * Varde's side of a flow's *raise alert* (docs/decisions/0020): the one
 * topic Node-RED may publish to, read by Varde's own code as the server's
 * service identity. Each request is validated (flow-alert-request.ts), then
 * opened through the access layer as the tenant's flows service, by the
 * rules' own statement: the alert, its history and its announcement in one
 * statement, one access-log entry each, deduplicated by the flow's key;
 * what arrived meanwhile is taken in one statement. Bad input
 * is refused with a code in the log; the intake never stops for it.
 */
export function startFlowAlertIntake(options: { db: Queryable; tenantId: string; mqttUrl: string; serviceSecret: string; logger: Logger }): FlowAlertIntake {
  const log = options.logger.child({ part: 'flows-intake' })
  let accepted = 0
  let refused = 0
  const refuse = (code: FlowAlertRefusal, details: Record<string, unknown>) => {
    refused += 1
    log.warn({ event: 'flow-alert-refused', code, ...details }, 'an alert raised by a flow was refused')
  }
  const client: MqttClient = mqtt.connect(options.mqttUrl, {
    clientId: `varde-flows-intake-${options.tenantId}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
    username: serviceUsername('server'), password: servicePassword(options.serviceSecret, 'server'),
    clean: true, protocolVersion: 4, reconnectPeriod: 1000,
  })
  const ready = new Promise<void>((resolve) => {
    client.on('connect', () => {
      ;(client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true) // PUBACKs without Nagle's delay (40 ms a message)
      client.subscribe(INTERNAL_TOPICS.flowAlerts, { qos: 1 }, (error) => {
        if (error) log.error({ err: error }, 'subscribe failed')
        resolve()
      })
    })
  })
  client.on('error', (error) => log.warn({ err: error }, 'mqtt error'))
  // what arrived meanwhile is taken together, in order of arrival, one statement for the lot (as the rule worker
  // takes its queue): a flow's repeats count on one alert in the order it raised them
  let waiting: Buffer[] = []
  let draining: Promise<void> | null = null
  const drain = async () => {
    while (waiting.length > 0) {
      const batch = waiting.slice(0, MAX_BATCH)
      waiting = waiting.slice(batch.length)
      await take(batch).catch((error: unknown) => {
        refused += batch.length
        log.error({ err: error, event: 'flow-alert-failed', count: batch.length }, 'alerts raised by flows could not be stored')
      })
    }
    draining = null
  }
  client.on('message', (_topic, payload) => {
    waiting.push(payload)
    draining ??= drain()
  })
  async function take(payloads: Buffer[]): Promise<void> {
    const byFlow = new Map<string, FlowAlertInput[]>()
    for (const payload of payloads) {
      const request = validated(payload)
      if (!request) continue
      byFlow.set(request.flowName, [...(byFlow.get(request.flowName) ?? []), request])
    }
    for (const [flowName, requests] of byFlow) {
      const access = serviceAccess(options.db, { tenantId: options.tenantId, username: `flows:${flowName}`, roles: [FLOWS_SERVICE_ROLE] }, 'flow alert intake')
      const results = await access.flows.raiseAlerts(requests)
      results.forEach((alert, n) => {
        if (alert) accepted += 1
        else refuse('flow-alert-not-found', { flowId: requests[n]!.flowId })
      })
    }
  }
  function validated(payload: Buffer): FlowAlertInput | null {
    let raw: unknown
    try {
      raw = JSON.parse(payload.toString('utf8'))
    } catch {
      refuse('flow-alert-unreadable', { bytes: payload.length })
      return null
    }
    const parsed = flowAlertRequestSchema.safeParse(raw)
    if (!parsed.success) {
      const flowId = typeof (raw as { flowId?: unknown })?.flowId === 'string' ? String((raw as { flowId: string }).flowId).slice(0, 64) : null
      refuse('flow-alert-invalid', { flowId, fields: parsed.error.issues.map((i) => i.path.join('.')).slice(0, 10) })
      return null
    }
    return { ...parsed.data, triggeredAt: new Date(parsed.data.triggeredAt) }
  }
  return {
    ready,
    stats: () => ({ accepted, refused }),
    close: async () => {
      await client.endAsync()
      await draining
    },
  }
}
