declare module 'mqemitter-redis' {
  import type { EventEmitter } from 'node:events'
  import type { Redis } from 'ioredis'
  /** An MQEmitter over Redis pub/sub: a message published on one broker reaches subscribers on every other. */
  export default function mqemitterRedis(options: { pubConn: Redis; subConn: Redis; matchEmptyLevels?: boolean }): { state: EventEmitter; close(cb: () => void): void }
}
