/**
 * One request at a time on the embedded database's single session; a
 * connection inside a transaction (or mid-request after a Flush) keeps the
 * session until its last ReadyForQuery says it is idle.
 *
 * Holding the session is holding everyone: a connection that keeps it
 * without sending anything (a client stuck between BEGIN and COMMIT) is told
 * so once `idleInTransactionMs` have passed (`onIdleInTransaction`, which
 * closes it; its transaction is then rolled back by `release`), as Postgres'
 * idle_in_transaction_session_timeout would.
 */
export class SessionGate {
  private owner: number | null = null
  private isBusy = false
  private readonly queue: { id: number; run: () => Promise<Uint8Array | undefined> }[] = []
  private idleWaiters: (() => void)[] = []
  private idleTimer: NodeJS.Timeout | undefined

  constructor(
    private readonly rollback: () => Promise<Uint8Array>,
    private readonly readyStatus: (response: Uint8Array) => string | undefined,
    private readonly idleInTransactionMs: number,
    private readonly onIdleInTransaction: (id: number) => void,
  ) {}

  run(id: number, work: () => Promise<Uint8Array>): Promise<Uint8Array> {
    return new Promise<Uint8Array>((resolve, reject) => {
      this.queue.push({
        id,
        run: () => work().then(
          (response) => { resolve(response); return response },
          (error: unknown) => { reject(error as Error); return undefined },
        ),
      })
      this.pump()
    })
  }

  /** A closed connection: roll back a transaction it left open and hand the session on. */
  async release(id: number): Promise<void> {
    if (this.owner !== id) return
    await this.run(id, this.rollback)
    this.owner = null
    this.pump()
  }

  stats(): { queued: number; owner: number | null } {
    return { queued: this.queue.length, owner: this.owner }
  }

  /** Resolves once nothing runs and nothing that can run is queued. */
  idle(): Promise<void> {
    if (!this.isBusy && this.queue.length === 0) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  private pump(): void {
    if (this.isBusy) return
    const index = this.owner === null ? 0 : this.queue.findIndex((q) => q.id === this.owner)
    if (index < 0 || index >= this.queue.length) {
      if (this.queue.length === 0) for (const w of this.idleWaiters.splice(0)) w()
      this.watchIdleOwner()
      return
    }
    clearTimeout(this.idleTimer)
    this.idleTimer = undefined
    const [next] = this.queue.splice(index, 1)
    if (!next) return
    this.isBusy = true
    void next.run().then((response) => {
      const status = response ? this.readyStatus(response) : 'I'
      this.owner = status === 'I' ? null : next.id
      this.isBusy = false
      this.pump()
    })
  }

  /** The owner has nothing queued: it has that long to send its next request. */
  private watchIdleOwner(): void {
    const owner = this.owner
    if (owner === null || this.idleTimer || this.idleInTransactionMs <= 0) return
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined
      if (this.owner === owner && !this.isBusy) this.onIdleInTransaction(owner)
    }, this.idleInTransactionMs)
    this.idleTimer.unref()
  }
}
