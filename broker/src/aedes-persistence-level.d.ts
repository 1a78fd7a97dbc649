declare module 'aedes-persistence-level' {
  import type { Level } from 'level'
  /** Aedes persistence backed by a LevelDB instance (sessions, QoS 1 queues, retained messages, wills). */
  export default function aedesPersistenceLevel(db: Level<string, unknown>): unknown
}
