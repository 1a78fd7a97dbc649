import { mkdir } from 'node:fs/promises'
import aedesPersistenceRedis from 'aedes-persistence-redis'
import { Redis } from 'ioredis'
import { Level } from 'level'
import mqemitterRedis from 'mqemitter-redis'
import type { Logger } from 'pino'
import { LevelPersistence } from './level-persistence.js'
import { useFastMsgpack } from './msgpack.js'
import { WriteBackLevel } from './write-back-level.js'

/**
 * Where the broker keeps sessions, queued QoS 1 messages and retained
 * messages, and how its instances hear each other's publications:
 * - one broker: LevelDB on disk (`dir`) behind a write-back cache
 *   (level-persistence.ts on write-back-level.ts), in-process emitter;
 * - several brokers: Redis (`redisUrl`) for both, so a gateway may land on
 *   any instance and still find its session, and a message published on one
 *   instance reaches subscribers on all (docs/decisions/0004-broker-scale-out.md);
 * - neither (tests): memory.
 */
export interface BrokerPersistence {
  kind: 'memory' | 'disk' | 'redis'
  /** Aedes `persistence` and `mq` options (undefined: Aedes' in-memory defaults). */
  persistence?: unknown
  mq?: unknown
}

/**
 * Queued messages handed to a persistent session on CONNECT by the Redis
 * persistence (its default is 1000; the rest would wait for the next
 * reconnect). Ingest coming back after an outage must get its whole backlog.
 */
const REDIS_MAX_SESSION_DELIVERY = 1_000_000

export async function openPersistence(options: { dir?: string | undefined; redisUrl?: string | undefined; logger: Logger }): Promise<BrokerPersistence> {
  const log = options.logger
  if (options.redisUrl) {
    useFastMsgpack()
    const url = options.redisUrl
    const connect = (role: string) => {
      const conn = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: null })
      conn.on('error', (error: Error) => log.warn({ event: 'redis-error', role, err: error.message }, 'Redis connection error'))
      return conn
    }
    const store = connect('persistence')
    const pub = connect('publish')
    const sub = connect('subscribe')
    try {
      await Promise.all([store, pub, sub].map((c) => withTimeout(c.connect(), 10_000, `Redis at ${maskRedisUrl(url)} not reachable`)))
    } catch (error) {
      for (const c of [store, pub, sub]) c.disconnect()
      throw error
    }
    // as Aedes' own default emitter: '#' matches the parent level too [MQTT-4.7.1-3]
    const mq = mqemitterRedis({ pubConn: pub, subConn: sub, matchEmptyLevels: true })
    mq.state.on('error', (error: Error) => log.warn({ event: 'redis-error', role: 'emitter', err: error.message }, 'Redis emitter error'))
    const persistence = aedesPersistenceRedis({ conn: store, maxSessionDelivery: REDIS_MAX_SESSION_DELIVERY })
    return { kind: 'redis', persistence: coalesceAddSubscriptions(persistence as SubscriptionStore), mq }
  }
  if (options.dir) {
    await mkdir(options.dir, { recursive: true })
    const level = new Level<string, Buffer>(options.dir, { valueEncoding: 'buffer' })
    await level.open()
    const store = new WriteBackLevel(level, {
      // a write reaches LevelDB after one to two windows, 125 to 250 ms, a queued QoS 1 message (held by the
      // persistence first) after 250 to 375 ms: one acknowledged within 250 ms costs LevelDB nothing, not seven
      // writes (ADR 0007); under load a delivery takes 50 to 200 ms
      flushMs: 125,
      onError: (error) => log.error({ event: 'persistence-error', err: error.message }, 'broker store: writing to LevelDB failed, will retry'),
    })
    return { kind: 'disk', persistence: new LevelPersistence(store) }
  }
  return { kind: 'memory' }
}

interface SubscriptionStore {
  addSubscriptions(client: unknown, subs: unknown[], cb?: (error: Error | null) => void): Promise<unknown> | undefined
}

/**
 * Aedes stores a non-clean client's subscriptions once per topic filter of a
 * SUBSCRIBE packet, each time with the packet's whole list; the Redis
 * persistence then waits for its own broadcast keyed by the list's first
 * filter, and of two waits on one key only the last is ever released: a
 * SUBSCRIBE with two filters (ingest's, or a gateway's receipts and commands)
 * would never be answered. Concurrent calls for the same list share one store.
 */
function coalesceAddSubscriptions(persistence: SubscriptionStore): SubscriptionStore {
  const inFlight = new WeakMap<object, Promise<unknown>>()
  const add = persistence.addSubscriptions.bind(persistence)
  persistence.addSubscriptions = (client, subs, cb) => {
    let pending = inFlight.get(subs)
    if (!pending) {
      pending = Promise.resolve(add(client, subs)).finally(() => inFlight.delete(subs))
      inFlight.set(subs, pending)
    }
    if (!cb) return pending
    pending.then(() => cb(null), (error: Error) => cb(error))
    return undefined
  }
  return persistence
}

export function maskRedisUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '********'
    return u.toString()
  } catch {
    return '(unparseable URL)'
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(message)), ms) })])
  } finally {
    clearTimeout(timer)
  }
}
