declare module 'aedes-persistence-level' {
  /**
   * Aedes persistence backed by a LevelDB instance (sessions, QoS 1 queues,
   * retained messages, wills); takes anything with abstract-level's get, put,
   * del, batch, clear, values and close (here: write-back-level.ts).
   */
  export default function aedesPersistenceLevel(db: object): unknown
}
