/**
 * The open live-event streams of each session, so that logging out ends
 * them at once (issue 14: an open `/api/events` stream outlived its
 * session). Sessions ended elsewhere (expiry, another server instance, a
 * disabled user) are found by each stream's own periodic check
 * (routes/events.ts). Keyed by the session token, which never leaves memory.
 */
export class SessionStreams {
  readonly #byToken = new Map<string, Set<() => void>>()

  /** Registers a stream's `end`; the returned function unregisters it (the stream closed by itself). */
  add(token: string, end: () => void): () => void {
    let ends = this.#byToken.get(token)
    if (!ends) this.#byToken.set(token, (ends = new Set()))
    ends.add(end)
    return () => {
      ends.delete(end)
      if (ends.size === 0 && this.#byToken.get(token) === ends) this.#byToken.delete(token)
    }
  }

  /** Ends every stream of the session. */
  endSession(token: string): void {
    const ends = this.#byToken.get(token)
    this.#byToken.delete(token)
    for (const end of ends ?? []) end()
  }

  /** Ends every stream (the server is stopping: an open stream would hold its close for ever). */
  endAll(): void {
    for (const token of [...this.#byToken.keys()]) this.endSession(token)
  }
}
