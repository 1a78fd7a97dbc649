import { servicePassword, serviceUsername } from '@varde/config'
import type { Queryable } from '@varde/db'
import { INTERNAL_TOPICS } from '@varde/domain'
import { accessFailureCode, FLOWS_SERVICE_ROLE, serviceAccess } from '@varde/server'
import mqtt, { type MqttClient } from 'mqtt'
import type { Logger } from 'pino'
import { flowAlertRequestSchema } from './flow-alert-request.js'

/** Why an alert a flow raised was not opened (logged with the flow's id, never the content). */
export type FlowAlertRefusal = 'flow-alert-unreadable' | 'flow-alert-invalid' | `flow-alert-${string}`

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
 * statement, one access-log entry, deduplicated by the flow's key. Bad input
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
  // one at a time, in order of arrival: a flow's repeats count on one alert in the order it raised them
  let queue = Promise.resolve()
  client.on('message', (_topic, payload) => {
    queue = queue.then(() => take(payload)).catch((error: unknown) => {
      refused += 1
      log.error({ err: error, event: 'flow-alert-failed' }, 'an alert raised by a flow could not be stored')
    })
  })
  async function take(payload: Buffer): Promise<void> {
    let raw: unknown
    try {
      raw = JSON.parse(payload.toString('utf8'))
    } catch {
      return refuse('flow-alert-unreadable', { bytes: payload.length })
    }
    const parsed = flowAlertRequestSchema.safeParse(raw)
    if (!parsed.success) {
      const flowId = typeof (raw as { flowId?: unknown })?.flowId === 'string' ? String((raw as { flowId: string }).flowId).slice(0, 64) : null
      return refuse('flow-alert-invalid', { flowId, fields: parsed.error.issues.map((i) => i.path.join('.')).slice(0, 10) })
    }
    const r = parsed.data
    const access = serviceAccess(options.db, { tenantId: options.tenantId, username: `flows:${r.flowName}`, roles: [FLOWS_SERVICE_ROLE] }, 'flow alert intake')
    try {
      await access.flows.raiseAlert({ ...r, triggeredAt: new Date(r.triggeredAt) })
      accepted += 1
    } catch (error) {
      const code = accessFailureCode(error)
      if (!code) throw error
      refuse(`flow-alert-${code}`, { flowId: r.flowId })
    }
  }
  return {
    ready,
    stats: () => ({ accepted, refused }),
    close: async () => {
      await client.endAsync()
      await queue
    },
  }
}
