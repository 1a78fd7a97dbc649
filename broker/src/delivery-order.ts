import type { Client } from 'aedes'

/**
 * Aedes assumes that messages reach a client in the order they were
 * published. With a persistence that answers asynchronously (LevelDB here,
 * Redis when scaled out) they do not: under load, publications overtake each
 * other on their way through the store all the time. Two of Aedes' checks
 * then misfire; these two functions switch them off, and test/delivery-order.test.ts
 * shows what went wrong without them.
 */

const NO_DELIVERY_COUNTERS: Record<string, number> = new Proxy({}, { get: () => undefined, set: () => true })

/**
 * Aedes drops a QoS 1 message to a client once a message published after it
 * has reached that client (`dedupe` in aedes/lib/client.js keeps the highest
 * broker counter per connection), so overtaken batches never reached ingest
 * and overtaken receipts never reached their gateway, until it re-sent
 * (moscajs/aedes#955, #994). The check exists for overlapping subscriptions,
 * which Varde's clients never hold (acl.ts); a duplicate QoS 1 delivery is
 * what MQTT allows, and receipts (by batchId) and ingest (by idempotency key)
 * absorb it. So the connection's counters are kept nowhere. Call it on every
 * new connection, before it is handled (`preConnect`).
 */
export function deliverOvertakenMessages(client: Client): void {
  (client as unknown as { duplicates: Record<string, number> }).duplicates = NO_DELIVERY_COUNTERS
}

interface OutgoingStore {
  outgoingUpdate(client: unknown, packet: unknown): Promise<unknown>
}

/**
 * Without that check, a message published while a persistent session is
 * being restored can go out twice: live, and again from the session's stored
 * queue. When the client has acknowledged the first copy before the second is
 * sent, the store no longer holds the message and Aedes closes the connection
 * ("no such packet"). The second copy goes out unstored instead: a duplicate
 * of a message already acknowledged, which QoS 1 allows.
 */
export function tolerateAcknowledgedRedelivery(persistence: OutgoingStore): void {
  const update = persistence.outgoingUpdate.bind(persistence)
  persistence.outgoingUpdate = async (client, packet) => {
    try {
      return await update(client, packet)
    } catch (error) {
      if (error instanceof Error && error.message === 'no such packet') return undefined
      throw error
    }
  }
}

type Deliver = (packet: unknown, done: () => void) => void
interface DeliveringClient {
  deliverQoS: Deliver
  deliver0: Deliver
  conn: { once(event: 'close', listener: () => void): unknown }
}
const held = new WeakMap<object, (() => void)[]>()

/**
 * MQTT 3.1.1 [MQTT-3.2.0-1]: the first packet the server sends is the
 * CONNACK. Aedes restores a persistent session's subscriptions before it
 * sends the CONNACK, so a message published in between (a receipt that
 * ingest publishes just as its gateway reconnects) went out first. MQTT.js
 * then stalls for good: it answers the PUBLISH with a PUBACK that waits for
 * the connection, and reads nothing more, the CONNACK included (moscajs/aedes#80
 * is the same for retained messages). So each connection's deliveries are held
 * until its CONNACK is on the wire (releaseDeliveries, on `connackSent`) or
 * the connection has closed; then they go as Aedes would have sent them. The
 * message is in the session's stored queue as well, so a copy may follow it:
 * a duplicate, which QoS 1 allows. Call it in `preConnect`.
 */
export function deliverAfterConnack(client: Client): void {
  const c = client as unknown as DeliveringClient
  const queue: (() => void)[] = []
  held.set(client, queue)
  const hold = (deliver: Deliver): Deliver => (packet, done) => {
    if (held.get(client) === queue) queue.push(() => deliver(packet, done))
    else deliver(packet, done)
  }
  c.deliverQoS = hold(c.deliverQoS)
  c.deliver0 = hold(c.deliver0)
  c.conn.once('close', () => releaseDeliveries(client))
}

/** Sends what deliverAfterConnack held for this connection (its CONNACK is out, or it closed). */
export function releaseDeliveries(client: Client): void {
  const queue = held.get(client)
  if (!queue) return
  held.delete(client)
  for (const deliver of queue) deliver()
}
