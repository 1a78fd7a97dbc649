import { servicePassword, serviceUsername } from '@varde/config'
import type { Condition, FlowPatient, FlowReading, Queryable } from '@varde/db'
import { INTERNAL_TOPICS, type AlertChangedEvent, type MeasurementsStoredEvent } from '@varde/domain'
import { FLOWS_SERVICE_ROLE, serviceAccess } from '@varde/server'
import { EventEmitter } from 'node:events'
import mqtt, { type MqttClient } from 'mqtt'
import type { Logger } from 'pino'
import type { FlowAlertRequest } from './flow-alert-request.js'

/** Which flow acts: its access-log name is `flows:<flow name>`. */
export interface FlowRef {
  id: string
  name: string
}

export interface ReadingsFilter {
  types?: string[]
  condition?: Condition
}

/**
 * What Varde's nodes (flows/nodes) may do, and all they may do: the tenant's
 * stored readings and patients through the access layer as the tenant's
 * flows service (every read in the access log under the flow's name),
 * forwarding through the outbox, and an alert raised by publishing to the
 * one topic where Varde's intake validates it. A function node has none of
 * this: Node-RED hands it to Varde's nodes through their settings only.
 */
export interface VardeFlowServices {
  tenantId: string
  readings(flow: FlowRef, q: ReadingsFilter & { ids?: string[]; patientId?: string; from?: Date; limit?: number }): Promise<FlowReading[]>
  patient(flow: FlowRef, patientId: string): Promise<FlowPatient>
  forwardAlert(flow: FlowRef, alertId: string, recipientId: string | null): Promise<string[]>
  raiseAlert(request: FlowAlertRequest): Promise<void>
  /** This tenant's stored readings, as ingest announces them: patient and reading ids only. */
  onReadingsStored(listener: (event: { patientId: string; readingIds: string[] }) => void): () => void
  /** This tenant's alert changes (ids, change, severity, status: no content). */
  onAlertChanged(listener: (event: AlertChangedEvent) => void): () => void
}

export interface FlowServicesHandle {
  services: VardeFlowServices
  ready: Promise<void>
  close(): Promise<void>
}

const MAX_READINGS = 5000

/** The services over the database and the broker, as the `flows` service identity (broker/src/acl.ts). */
export function connectFlowServices(options: { db: Queryable; tenantId: string; mqttUrl: string; serviceSecret: string; logger: Logger }): FlowServicesHandle {
  const { db, tenantId } = options
  const log = options.logger.child({ part: 'flows' })
  const events = new EventEmitter()
  events.setMaxListeners(0)
  const access = (flow: FlowRef, operation: string) =>
    serviceAccess(db, { tenantId, username: `flows:${flow.name || flow.id}`.slice(0, 200), roles: [FLOWS_SERVICE_ROLE] }, operation).flows
  const client: MqttClient = mqtt.connect(options.mqttUrl, {
    clientId: `varde-flows-${tenantId}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
    username: serviceUsername('flows'), password: servicePassword(options.serviceSecret, 'flows'),
    clean: true, protocolVersion: 4, reconnectPeriod: 1000,
  })
  const ready = new Promise<void>((resolve) => {
    client.on('connect', () => {
      ;(client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true) // PUBACKs without Nagle's delay (40 ms a message)
      client.subscribe([INTERNAL_TOPICS.measurementsStored, INTERNAL_TOPICS.alertsChanged], { qos: 1 }, (error) => {
        if (error) log.error({ err: error }, 'subscribe failed')
        resolve()
      })
    })
  })
  client.on('error', (error) => log.warn({ err: error }, 'mqtt error'))
  client.on('message', (topic, payload) => {
    try {
      if (topic === INTERNAL_TOPICS.measurementsStored) {
        // every tenant's readings pass the flows identity: only this tenant's ids reach a node
        for (const e of JSON.parse(payload.toString()) as MeasurementsStoredEvent[]) {
          if (e.tenantId === tenantId) events.emit('readings', { patientId: e.patientId, readingIds: e.readings.map((r) => r.id) })
        }
      } else if (topic === INTERNAL_TOPICS.alertsChanged) {
        const e = JSON.parse(payload.toString()) as AlertChangedEvent
        if (e.tenantId === tenantId) events.emit('alert', e)
      }
    } catch (error) {
      log.warn({ event: 'flows-event-unreadable', topic, err: error }, 'an internal event could not be read')
    }
  })
  const on = <T>(name: string) => (listener: (event: T) => void) => {
    events.on(name, listener)
    return () => { events.off(name, listener) }
  }
  const services: VardeFlowServices = {
    tenantId,
    readings: (flow, q) => access(flow, 'node varde-reading-in').readings({ ...q, limit: Math.min(q.limit ?? MAX_READINGS, MAX_READINGS) }),
    patient: (flow, patientId) => access(flow, 'node varde-patient-lookup').patient(patientId),
    forwardAlert: (flow, alertId, recipientId) => access(flow, 'node varde-forward').forwardAlert(alertId, recipientId),
    raiseAlert: async (request) => {
      await client.publishAsync(INTERNAL_TOPICS.flowAlerts, JSON.stringify(request), { qos: 1 })
    },
    onReadingsStored: on('readings'),
    onAlertChanged: on('alert'),
  }
  return { services, ready, close: async () => { await client.endAsync() } }
}
