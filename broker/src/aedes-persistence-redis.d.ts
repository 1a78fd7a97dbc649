declare module 'aedes-persistence-redis' {
  import type { Redis } from 'ioredis'
  /** Aedes persistence backed by Redis (sessions, QoS 1 queues, retained messages, wills), shared by several brokers. */
  export default function aedesPersistenceRedis(options: {
    conn: Redis
    /** Queued messages delivered on CONNECT (default 1000; the rest wait for the next connect). */
    maxSessionDelivery?: number
  }): unknown
}
