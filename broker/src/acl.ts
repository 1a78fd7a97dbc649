import { GATEWAY_TOPIC_ROOT, INTERNAL_TOPIC_ROOT, parseGatewayTopic } from '@varde/domain'

/** Who is connected: a gateway speaking for one patient, or one of the platform's own services. */
export type Identity = { kind: 'gateway'; gatewayId: string } | { kind: 'service'; service: 'ingest' | 'server' }

/**
 * The topic ACL of device-protocol.md "Topics": a gateway publishes only to its
 * own measurements and status. Services get only what their job needs.
 */
export function canPublish(who: Identity, topic: string): boolean {
  if (who.kind === 'gateway') {
    const t = parseGatewayTopic(topic)
    return t !== null && t.gatewayId === who.gatewayId && (t.channel === 'measurements' || t.channel === 'status')
  }
  const t = parseGatewayTopic(topic)
  switch (who.service) {
    case 'ingest':
      return (t !== null && (t.channel === 'receipts' || t.channel === 'commands')) || isInternal(topic)
    case 'server':
      return (t !== null && t.channel === 'commands') || isInternal(topic)
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
  }
}

function isInternal(topic: string): boolean {
  return topic === INTERNAL_TOPIC_ROOT || topic.startsWith(`${INTERNAL_TOPIC_ROOT}/`) || topic === `${INTERNAL_TOPIC_ROOT}/#`
}
