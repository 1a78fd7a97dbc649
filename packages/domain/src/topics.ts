/**
 * MQTT topics: the device protocol's (device-protocol.md "Topics") and the
 * platform's internal event topics, on which services meet (never by
 * importing each other).
 */
export const GATEWAY_TOPIC_ROOT = 'varde/v1/gateways'

export type GatewayChannel = 'measurements' | 'status' | 'receipts' | 'commands'

export const gatewayTopic = (gatewayId: string, channel: GatewayChannel): string =>
  `${GATEWAY_TOPIC_ROOT}/${gatewayId}/${channel}`

/** Splits `varde/v1/gateways/G/channel`; null for any other topic. */
export function parseGatewayTopic(topic: string): { gatewayId: string; channel: GatewayChannel } | null {
  const m = /^varde\/v1\/gateways\/([A-Za-z0-9._-]{3,64})\/(measurements|status|receipts|commands)$/.exec(topic)
  return m ? { gatewayId: m[1] as string, channel: m[2] as GatewayChannel } : null
}

export const GATEWAY_ID_PATTERN = /^[A-Za-z0-9._-]{3,64}$/

/** Internal events, published by services with service credentials; gateways can never see them. */
export const INTERNAL_TOPIC_ROOT = 'varde/internal/v1'
export const INTERNAL_TOPICS = {
  /**
   * Readings stored (ingest → server): one message per flush, a JSON array of
   * `MeasurementsStoredEvent`, one per patient, at most
   * `MEASUREMENTS_MESSAGE_MAX_READINGS` readings a message
   * (`measurementsStoredMessages`).
   */
  measurementsStored: `${INTERNAL_TOPIC_ROOT}/measurements`,
  /** Liveness of a service, retained, with last will `{"state":"down"}`. */
  health: (service: string) => `${INTERNAL_TOPIC_ROOT}/health/${service}`,
  /** A gateway's status stored: `{ gatewayId, state, firmware, battery, at }` (ingest → server). */
  gatewayStatusStored: `${INTERNAL_TOPIC_ROOT}/gateways/status`,
  /**
   * An alert opened or changed (`AlertChangedEvent`): by the rules (ingest), by a
   * nurse's action (server) or by escalation. QoS 1; consumers read the alert's
   * current state from the database, keyed by id and revision.
   */
  alertsChanged: `${INTERNAL_TOPIC_ROOT}/alerts`,
  /** A gateway revoked or rotated: the broker disconnects it. Payload: the gateway id. Only the server may publish it. */
  gatewayRevoked: `${INTERNAL_TOPIC_ROOT}/gateways/revoked`,
  /**
   * Who may see a patient changed (a relationship added or ended, an objection
   * recorded or withdrawn; `CareTeamChangedEvent`), published by the server
   * that made the change: every server's live streams drop the patient at
   * once and read their access again (issue 18: an ended relationship ends
   * access at once).
   */
  careTeamChanged: `${INTERNAL_TOPIC_ROOT}/care-team`,
  /**
   * An alert a tenant's flow raises (`FlowAlertRequest`, Node-RED → Varde's
   * intake, docs/decisions/0020): the one topic Node-RED may publish to. The
   * intake validates it and opens the alert through the access layer.
   */
  flowAlerts: `${INTERNAL_TOPIC_ROOT}/flows/alerts`,
  /** The platform clock was set (server, demo and test mode): every part reloads it from the database now. */
  clockChanged: `${INTERNAL_TOPIC_ROOT}/clock`,
  /** A broker instance's counters, retained, every few seconds (`BrokerStatsSnapshot`); published by the broker itself only. */
  brokerStats: (brokerId: string) => `${INTERNAL_TOPIC_ROOT}/broker/stats/${brokerId}`,
} as const

/** Filter matching every broker instance's stats snapshot. */
export const BROKER_STATS_FILTER = `${INTERNAL_TOPIC_ROOT}/broker/stats/+`

/** Event payload on `INTERNAL_TOPICS.brokerStats(id)`: counters since that broker instance started. */
export interface BrokerStatsSnapshot {
  brokerId: string
  at: string
  startedAt: string
  /** How often the broker publishes a snapshot; a snapshot older than three intervals is stale (the broker is gone). */
  intervalMs: number
  connectedGateways: number
  connectedServices: number
  messagesIn: number
  messagesOut: number
  /** Refusals by reason: auth, throttled, connection-cap, publish, subscribe, forward, packet-too-large, keepalive-timeout, connect-timeout. */
  refusals: Record<string, number>
  rssBytes: number
}

/** Readings of one patient in a message on `INTERNAL_TOPICS.measurementsStored`. */
export interface MeasurementsStoredEvent {
  tenantId: string
  patientId: string
  gatewayId: string
  readings: {
    id: string
    type: string
    value: number
    unit: string
    measuredAt: string
    flags: string[]
  }[]
}

/** What happened to an alert; the event names it, the database holds it. */
export type AlertChange =
  | 'opened'
  | 'updated'
  | 'cleared'
  | 'acknowledged'
  | 'assigned'
  | 'noted'
  | 'resolved'
  | 'escalated'

/** Event payload on `INTERNAL_TOPICS.careTeamChanged`. */
export interface CareTeamChangedEvent {
  tenantId: string
  patientId: string
}

/** Event payload on `INTERNAL_TOPICS.alertsChanged`. */
export interface AlertChangedEvent {
  tenantId: string
  patientId: string
  alertId: string
  change: AlertChange
  /** The alert's revision after the change: a client keeps the highest it has seen. */
  revision: number
  severity: 'red' | 'yellow'
  status: 'open' | 'acknowledged' | 'resolved'
  at: string
}

/** Readings in one message on `INTERNAL_TOPICS.measurementsStored`: about 100 KiB, well under the broker's 256 KiB. */
export const MEASUREMENTS_MESSAGE_MAX_READINGS = 500

/**
 * The payloads that carry `events` on `INTERNAL_TOPICS.measurementsStored`:
 * as few messages as fit (one per flush of ingest, where one per patient was
 * most of the internal traffic through the broker), each at most
 * `MEASUREMENTS_MESSAGE_MAX_READINGS` readings; a patient with more is split
 * over messages. Events without readings are left out.
 */
export function measurementsStoredMessages(events: Iterable<MeasurementsStoredEvent>): string[] {
  const messages: string[] = []
  let message: MeasurementsStoredEvent[] = []
  let room = MEASUREMENTS_MESSAGE_MAX_READINGS
  for (const event of events) {
    for (let from = 0; from < event.readings.length;) {
      if (room === 0) {
        messages.push(JSON.stringify(message))
        message = []
        room = MEASUREMENTS_MESSAGE_MAX_READINGS
      }
      const readings = event.readings.slice(from, from + room)
      message.push(from === 0 && readings.length === event.readings.length ? event : { ...event, readings })
      from += readings.length
      room -= readings.length
    }
  }
  if (message.length > 0) messages.push(JSON.stringify(message))
  return messages
}
