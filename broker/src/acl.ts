import { GATEWAY_TOPIC_ROOT, INTERNAL_TOPIC_ROOT, INTERNAL_TOPICS, ownsGateway, parseGatewayTopic, type IngestPartition } from '@varde/domain'

/**
 * Who is connected: a gateway speaking for one patient, or one of the
 * platform's own services; an ingest process of several, with its partition
 * of the gateways (from its client id, packages/domain ingest-partition.ts).
 */
export type Identity = { kind: 'gateway'; gatewayId: string } | { kind: 'service'; service: 'ingest' | 'server' | 'flows'; partition?: IngestPartition }

/** What Node-RED (docs/decisions/0020) reads: stored readings and alert changes, nothing of the gateways. */
const FLOWS_SUBSCRIPTIONS: readonly string[] = [INTERNAL_TOPICS.measurementsStored, INTERNAL_TOPICS.alertsChanged]

const BROKER_STATS_ROOT = `${INTERNAL_TOPIC_ROOT}/broker/`

/**
 * The topic ACL of device-protocol.md "Topics": a gateway publishes only to its
 * own measurements and status. Services get only what their job needs: ingest
 * answers gateways (receipts, commands) and announces events; the server may
 * send commands and is the only one that may order a gateway cut off. Nobody
 * but the broker itself publishes the broker's stats.
 */
export function canPublish(who: Identity, topic: string): boolean {
  if (who.kind === 'gateway') {
    const t = parseGatewayTopic(topic)
    return t !== null && t.gatewayId === who.gatewayId && (t.channel === 'measurements' || t.channel === 'status')
  }
  if (topic.startsWith(BROKER_STATS_ROOT)) return false
  const t = parseGatewayTopic(topic)
  switch (who.service) {
    case 'ingest':
      return (t !== null && (t.channel === 'receipts' || t.channel === 'commands')) || (isInternal(topic) && topic !== INTERNAL_TOPICS.gatewayRevoked)
    case 'server':
      return (t !== null && t.channel === 'commands') || isInternal(topic)
    case 'flows':
      // one topic, where Varde validates what a flow raises
      return topic === INTERNAL_TOPICS.flowAlerts
  }
}

/** A gateway subscribes only to its own receipts and commands, never to a wildcard. */
export function canSubscribe(who: Identity, filter: string): boolean {
  if (who.kind === 'gateway') {
    const t = parseGatewayTopic(filter)
    return t !== null && t.gatewayId === who.gatewayId && (t.channel === 'receipts' || t.channel === 'commands')
  }
  switch (who.service) {
    case 'ingest':
      return (
        filter === `${GATEWAY_TOPIC_ROOT}/+/measurements` ||
        filter === `${GATEWAY_TOPIC_ROOT}/+/status` ||
        isInternal(filter)
      )
    case 'server':
      return filter === `${GATEWAY_TOPIC_ROOT}/+/status` || isInternal(filter)
    case 'flows':
      return FLOWS_SUBSCRIPTIONS.includes(filter)
  }
}

/**
 * What may be forwarded to a client: checked again for every delivery (also
 * of queued and retained messages), so that a subscription granted by an
 * older ACL, or restored from persistence, never leaks another gateway's data.
 */
export function canReceive(who: Identity, topic: string): boolean {
  if (who.kind === 'gateway') return canSubscribe(who, topic)
  return true // services only ever hold subscriptions canSubscribe granted
}

/**
 * A gateway's batch or status that another ingest process answers: not
 * delivered to this one (not a refusal: nothing is logged or counted). So
 * each of n ingest processes receives about 1/n of the traffic.
 */
export function isForOtherPartition(partition: IngestPartition | undefined, topic: string): boolean {
  if (!partition) return false
  const t = parseGatewayTopic(topic)
  return t !== null && (t.channel === 'measurements' || t.channel === 'status') && !ownsGateway(partition, t.gatewayId)
}

function isInternal(topic: string): boolean {
  return topic === INTERNAL_TOPIC_ROOT || topic.startsWith(`${INTERNAL_TOPIC_ROOT}/`) || topic === `${INTERNAL_TOPIC_ROOT}/#`
}
