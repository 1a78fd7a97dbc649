import { Readable } from 'node:stream'
import { QlobberTrue } from 'qlobber'
import QlobberSub from 'qlobber/aedes/qlobber-sub.js'
import { packr } from './msgpack.js'
import { prefixRange, type Range, type StoredValue, type WriteBackLevel } from './write-back-level.js'

/**
 * The broker's LevelDB store for Aedes 1.x (its async persistence API):
 * sessions' subscriptions, queued QoS 1 messages, QoS 2 packets in flight,
 * retained messages and wills, on a write-back store (write-back-level.ts).
 *
 * It keeps aedes-persistence-level's keys and values (MessagePack), so a
 * broker's data directory written by either reads back with the other
 * (level-persistence.test.ts), and it passes Aedes' own persistence test
 * suite (aedes-persistence's abstract tests). What it does differently is
 * the hot path, a QoS 1 message queued for a persistent session and
 * acknowledged: it hands the store objects, not encoded bytes (so a message
 * acknowledged within the store's window is never encoded), it marks the
 * queue key of a new message as new (it carries this broker's id, which is
 * new for each process), and it has the store keep count of the message-id
 * keys in LevelDB, so deleting either costs LevelDB nothing either. That was
 * most of the broker's CPU under load (docs/decisions/0007-broker-write-back.md).
 */

const RETAINED = 'retained:'
const SUBSCRIPTIONS = 'subscriptions:'
const OUTGOING = 'outgoing:'
const OUTGOING_ID = 'outgoing-id:'
const INCOMING = 'incoming:'
const WILL = 'will:'
/** Ids of the brokers that have used this store (one per process start): a queue key is new only under a new id. */
const BROKER_IDS = 'varde-broker-ids:'

const QLOBBER_OPTIONS = { wildcard_one: '+', wildcard_some: '#', separator: '/', match_empty_levels: true }

type Packet = StoredValue & {
  cmd?: string
  topic: string
  payload: Buffer | string
  qos?: number
  messageId?: number | null
  brokerId?: string
  brokerCounter?: number
}
interface Client {
  id: string
}
interface Subscription {
  topic: string
  qos: number
  clientId?: string
  [field: string]: unknown
}
interface BrokerLike {
  id: string
}

// Every key range of a client ends with ':', which encodeURIComponent escapes inside an id (prefixRange).
/** A client id as it is in keys, escaped (remembered: it is in every key of the hot path). */
const clientParts = new Map<string, string>()
function clientPart(clientId: string): string {
  let part = clientParts.get(clientId)
  if (part === undefined) {
    part = encodeURIComponent(clientId)
    if (clientParts.size >= 10_000) clientParts.clear()
    clientParts.set(clientId, part)
  }
  return part
}
const ZEROS = '0000000000000000'
/** Zero-padded to 16 digits, so a queue's keys sort in the order its messages came. */
const padId = (id: number | null | undefined) => {
  const digits = String(id)
  return digits.length >= 16 ? digits : ZEROS.slice(digits.length) + digits
}
const outgoingPrefix = (clientId: string) => `${OUTGOING}${clientPart(clientId)}:`
const outgoingKey = (clientId: string, brokerId: unknown, counter: unknown) =>
  `${outgoingPrefix(clientId)}${String(brokerId)}:${padId(counter as number)}`
const outgoingIdKey = (clientId: string, messageId: number | null | undefined) => `${OUTGOING_ID}${clientPart(clientId)}:${padId(messageId)}`
const incomingPrefix = (clientId: string) => `${INCOMING}${clientPart(clientId)}:`
const incomingKey = (clientId: string, messageId: number | null | undefined) => `${incomingPrefix(clientId)}${padId(messageId)}`
const willKey = (clientId: string) => `${WILL}${clientPart(clientId)}`
const subscriptionsPrefix = (clientId: string) => `${SUBSCRIPTIONS}${clientPart(clientId)}:`
const subscriptionKey = (clientId: string, topic: string) => `${subscriptionsPrefix(clientId)}${topic}`

/**
 * A value as the store keeps it: a copy, with undefined as null, as a
 * MessagePack round trip gives it back (so what is read is the same whether
 * it comes from memory or from disk). Nested objects (MQTT 5 properties,
 * which Aedes 1.x does not take) are copied by that round trip.
 */
function stored(value: object, extra?: StoredValue): StoredValue {
  const copy: StoredValue = { ...value }
  if (extra) Object.assign(copy, extra)
  return asStored(copy)
}

/** `stored`'s rules applied to an object of the store's own, in place. */
function asStored(copy: StoredValue): StoredValue {
  for (const [field, v] of Object.entries(copy)) {
    if (v === undefined) copy[field] = null
    else if (typeof v === 'object' && v !== null && !Buffer.isBuffer(v)) copy[field] = packr.unpack(packr.pack(v))
  }
  return copy
}

/** A packet as Aedes' `Packet` wrapper queues it (aedes-packet), stored. */
function queuedPacket(packet: Packet): StoredValue {
  const copy: StoredValue = {}
  for (const field of ['clientId', 'nl', 'properties', 'messageExpiry'] as const) {
    if (Object.hasOwn(packet, field)) copy[field] = packet[field]
  }
  Object.assign(copy, {
    cmd: packet.cmd || 'publish',
    brokerId: packet.brokerId,
    brokerCounter: packet.brokerCounter || 0,
    topic: packet.topic,
    payload: packet.payload || Buffer.alloc(0),
    qos: packet.qos || 0,
    retain: packet['retain'] || false,
    dup: packet['dup'] || false,
  })
  if ((copy['qos'] as number) > 0 || copy['cmd'] !== 'publish') copy['messageId'] = undefined
  return asStored(copy)
}

/** What a reader gets: its own shallow copy (the stored object stays as stored). */
const handedOut = <T extends StoredValue>(value: T): T => ({ ...value })

/** A message of this broker process queued for one client, not yet handed to the store. */
interface HotMessage {
  counter: number
  /** As the store would hold it under the queue key (and, once sent, the message-id key). */
  packet: StoredValue
  messageId: number | null
  /** The store window it was queued in (`#window`). */
  window: number
}
interface HotQueue {
  byCounter: Map<number, HotMessage>
  byId: Map<number, HotMessage>
}

export class LevelPersistence {
  readonly #store: WriteBackLevel
  readonly #trie = new QlobberSub(QLOBBER_OPTIONS)
  #broker: BrokerLike | undefined
  /** Queue keys under this broker's id are new to the store (false if the id has been used with it before). */
  #hasNewBrokerId = false
  /**
   * Messages of this broker queued in the last window or two, by client:
   * most are acknowledged before they reach the store, and then they cost
   * no more than these two maps (no keys built, no store writes). What is
   * still queued a window later goes to the store as it would have at once
   * (`#handOver`, when the store writes, before each of its batches).
   */
  readonly #hot = new Map<string, HotQueue>()
  #window = 0

  constructor(store: WriteBackLevel) {
    this.#store = store
    store.beforeWrite((all) => {
      this.#handOver(all)
      return this.#hot.size > 0
    })
  }

  get broker(): BrokerLike | undefined {
    return this.#broker
  }

  async setup(broker: BrokerLike): Promise<void> {
    this.#broker = broker
    const idKey = `${BROKER_IDS}${broker.id}`
    this.#hasNewBrokerId = (await this.#store.get(idKey)) === undefined
    this.#store.put(idKey, { at: new Date().toISOString() })
    // few message ids are in LevelDB at any time (those of messages in flight that outlived a window), and each is used
    // again and again: knowing which, a message acknowledged within the window costs no tombstone for its id either
    await this.#store.track(OUTGOING_ID)
    for await (const sub of this.#store.values(prefixRange(SUBSCRIPTIONS))) this.#trie.add(sub['topic'] as string, sub)
  }

  async storeRetained(packet: Packet): Promise<void> {
    const key = `${RETAINED}${packet.topic}`
    if (packet.payload.length === 0) this.#store.del(key)
    else this.#store.put(key, stored(packet))
  }

  createRetainedStream(pattern: string): Readable {
    return Readable.from(this.#retainedMatching([pattern]))
  }

  createRetainedStreamCombi(patterns: string[]): Readable {
    return Readable.from(this.#retainedMatching(patterns))
  }

  async *#retainedMatching(patterns: string[]): AsyncGenerator<StoredValue> {
    // pattern by pattern, as aedes-persistence-level does (a message matching two is given twice)
    for (const pattern of patterns) {
      const matcher = new QlobberTrue(QLOBBER_OPTIONS)
      matcher.add(pattern)
      for await (const packet of this.#store.values(prefixRange(RETAINED))) {
        if (matcher.test(packet['topic'] as string)) yield packet
      }
    }
  }

  async addSubscriptions(client: Client, subs: Subscription[]): Promise<void> {
    for (const subscription of subs) {
      const sub = stored(subscription, { clientId: client.id }) as Subscription
      this.#addToTrie(sub)
      this.#store.put(subscriptionKey(client.id, sub.topic), sub)
    }
  }

  async removeSubscriptions(client: Client, topics: string[]): Promise<void> {
    for (const topic of topics) {
      for (const match of this.#trie.match(topic) as Subscription[]) {
        if (match.clientId === client.id && match.topic === topic) this.#trie.remove(topic, match)
      }
      this.#store.del(subscriptionKey(client.id, topic))
    }
  }

  async subscriptionsByClient(client: Client): Promise<Subscription[]> {
    const subs: Subscription[] = []
    for await (const sub of this.#store.values(prefixRange(subscriptionsPrefix(client.id)))) {
      const { clientId: _clientId, ...rest } = sub
      subs.push(rest as Subscription)
    }
    return subs
  }

  async countOffline(): Promise<{ subsCount: number; clientsCount: number }> {
    let clientsCount = 0
    let subsCount = 0
    let lastClient: unknown = null
    for await (const sub of this.#store.values(prefixRange(SUBSCRIPTIONS))) {
      if (sub['clientId'] !== lastClient) {
        lastClient = sub['clientId']
        clientsCount++
      }
      if ((sub['qos'] as number) > 0) subsCount++
    }
    return { subsCount, clientsCount }
  }

  async subscriptionsByTopic(topic: string): Promise<Subscription[]> {
    return this.#trie.match(topic) as Subscription[]
  }

  async cleanSubscriptions(client: Client): Promise<void> {
    const subs = await this.subscriptionsByClient(client)
    if (subs.length > 0) await this.removeSubscriptions(client, subs.map((s) => s.topic))
  }

  async outgoingEnqueue(sub: { clientId: string }, packet: Packet): Promise<void> {
    this.#enqueue(sub.clientId, packet)
  }

  async outgoingEnqueueCombi(subs: { clientId: string }[] | undefined, packet: Packet): Promise<void> {
    if (!subs || subs.length === 0) return
    const value = queuedPacket(packet) // stored values are never changed: one copy serves every subscriber
    for (const sub of subs) this.#enqueue(sub.clientId, packet, value)
  }

  #enqueue(clientId: string, packet: Packet, value = queuedPacket(packet)): void {
    // a message of this broker process: its key has never been in the store
    if (this.#isOwn(packet)) {
      let queue = this.#hot.get(clientId)
      if (!queue) {
        queue = { byCounter: new Map(), byId: new Map() }
        this.#hot.set(clientId, queue)
      }
      queue.byCounter.set(packet.brokerCounter as number, { counter: packet.brokerCounter as number, packet: value, messageId: null, window: this.#window })
      this.#store.holding()
      return
    }
    this.#store.put(outgoingKey(clientId, packet.brokerId, packet.brokerCounter), value)
  }

  #isOwn(packet: Packet): boolean {
    return this.#hasNewBrokerId && packet.brokerId === this.#broker?.id && typeof packet.brokerCounter === 'number'
  }

  /**
   * Hands the hot messages queued before the last window (all of them with
   * `all`: the store is about to write everything, for a range read or to
   * close) to the store, under the keys and with the values it would have
   * had from the start.
   */
  #handOver(all: boolean): void {
    const window = this.#window++
    for (const [clientId, queue] of this.#hot) {
      for (const message of queue.byCounter.values()) {
        if (!all && message.window >= window) continue
        queue.byCounter.delete(message.counter)
        if (message.messageId !== null) queue.byId.delete(message.messageId)
        this.#store.put(outgoingKey(clientId, this.#broker?.id, message.counter), message.packet, { isNew: true })
        if (message.messageId !== null) this.#store.put(outgoingIdKey(clientId, message.messageId), message.packet)
      }
      if (queue.byCounter.size === 0) this.#hot.delete(clientId)
    }
  }

  async outgoingUpdate(client: Client, packet: Packet): Promise<void> {
    const queue = this.#hot.get(client.id)
    if (!packet.brokerId) {
      // a packet known only by its message id (a PUBREL's): find which queued message that id was given to
      const hot = queue?.byId.get(packet.messageId as number)
      const byId = hot ? hot.packet : await this.#store.get(outgoingIdKey(client.id, packet.messageId))
      if (!byId) throw new Error('no such packet')
      packet.brokerId = byId['brokerId'] as string
      packet.brokerCounter = byId['brokerCounter'] as number
    }
    const hot = this.#isOwn(packet) ? queue?.byCounter.get(packet.brokerCounter as number) : undefined
    if (queue && hot) {
      if (hot.messageId !== null && queue.byId.get(hot.messageId) === hot) queue.byId.delete(hot.messageId)
      hot.packet = stored(packet)
      hot.messageId = packet.messageId ?? null
      if (hot.messageId !== null) queue.byId.set(hot.messageId, hot)
      return
    }
    const queueKey = outgoingKey(client.id, packet.brokerId, packet.brokerCounter)
    const queued = await this.#store.get(queueKey)
    if (!queued) throw new Error('no such packet')
    const previousId = queued['messageId'] as number | null
    if (previousId && previousId > 0) this.#store.del(outgoingIdKey(client.id, previousId))
    const value = stored(packet)
    this.#store.put(outgoingIdKey(client.id, packet.messageId), value)
    this.#store.put(queueKey, value)
  }

  async outgoingClearMessageId(client: Client, packet: Packet): Promise<StoredValue | undefined> {
    const queue = this.#hot.get(client.id)
    const hot = queue?.byId.get(packet.messageId as number)
    if (queue && hot) {
      queue.byId.delete(hot.messageId as number)
      queue.byCounter.delete(hot.counter)
      if (queue.byCounter.size === 0) this.#hot.delete(client.id)
      return handedOut(hot.packet)
    }
    const idKey = outgoingIdKey(client.id, packet.messageId)
    const queued = await this.#store.get(idKey)
    if (!queued) return undefined
    this.#store.del(idKey)
    this.#store.del(outgoingKey(client.id, queued['brokerId'], queued['brokerCounter']))
    return handedOut(queued)
  }

  outgoingStream(client: Client): Readable {
    return Readable.from(this.#valuesHandedOut(prefixRange(outgoingPrefix(client.id))))
  }

  async incomingStorePacket(client: Client, packet: Packet): Promise<void> {
    const value = queuedPacket(packet)
    value['messageId'] = packet.messageId
    this.#store.put(incomingKey(client.id, packet.messageId), value)
  }

  async incomingGetPacket(client: Client, packet: Packet): Promise<StoredValue> {
    const value = await this.#store.get(incomingKey(client.id, packet.messageId))
    if (!value) throw new Error('no such packet')
    return handedOut(value)
  }

  async incomingDelPacket(client: Client, packet: Packet): Promise<void> {
    this.#store.del(incomingKey(client.id, packet.messageId))
  }

  async cleanIncoming(client: Client): Promise<void> {
    await this.#store.clear(prefixRange(incomingPrefix(client.id)))
  }

  async putWill(client: Client, packet: Packet): Promise<void> {
    packet.brokerId = this.#broker?.id as string
    packet['clientId'] = client.id
    this.#store.put(willKey(client.id), stored(packet))
  }

  async getWill(client: Client): Promise<StoredValue | undefined> {
    const will = await this.#store.get(willKey(client.id))
    return will && handedOut(will)
  }

  async delWill(client: Client): Promise<StoredValue | undefined> {
    const will = await this.#store.get(willKey(client.id))
    if (!will) return undefined
    this.#store.del(willKey(client.id))
    return handedOut(will)
  }

  streamWill(brokers?: Record<string, unknown>): Readable {
    const store = this.#store
    return Readable.from((async function* () {
      for await (const will of store.values(prefixRange(WILL))) {
        if (!brokers || !brokers[will['brokerId'] as string]) yield handedOut(will)
      }
    })())
  }

  getClientList(topic: string): Readable {
    const store = this.#store
    return Readable.from((async function* () {
      for await (const sub of store.values(prefixRange(SUBSCRIPTIONS))) {
        if (sub['topic'] === topic) yield sub['clientId']
      }
    })())
  }

  async destroy(): Promise<void> {
    await this.#store.close()
  }

  async *#valuesHandedOut(range: Range): AsyncGenerator<StoredValue> {
    for await (const value of this.#store.values(range)) yield handedOut(value)
  }

  /** As aedes-persistence-level: one entry per client and filter in the trie, and only for QoS > 0 (QoS 0 is not queued). */
  #addToTrie(sub: Subscription): void {
    const matched = this.#trie.match(sub.topic) as Subscription[]
    let add = matched.length === 0 ? sub.qos > 0 : true
    for (const match of matched) {
      if (match.clientId !== sub.clientId) continue
      if (match.qos === sub.qos) {
        add = false
        break
      }
      this.#trie.remove(match.topic, match)
      if (sub.qos === 0) add = false
    }
    if (add) this.#trie.add(sub.topic, sub)
  }
}
