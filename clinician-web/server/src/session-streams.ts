/**
 * The open live-event streams of each session, so that logging out ends
 * them at once (issue 14: an open `/api/events` stream outlived its
 * session). Sessions ended elsewhere (expiry, another server instance, a
 * disabled user) are found by each stream's own periodic check
 * (routes/events.ts). Keyed by the session token, which never leaves memory.
 */
export class SessionStreams {
  readonly #byToken = new Map<string, Set<() => void>>()
  /** Each user's session tokens with an open stream, so that disabling a user ends them at once (issue 17). */
  readonly #tokensByUser = new Map<string, Set<string>>()

  /** Registers a stream's `end`; the returned function unregisters it (the stream closed by itself). */
  add(token: string, end: () => void, userId?: string): () => void {
    let ends = this.#byToken.get(token)
    if (!ends) this.#byToken.set(token, (ends = new Set()))
    ends.add(end)
    let tokens: Set<string> | undefined
    if (userId !== undefined) {
      tokens = this.#tokensByUser.get(userId)
      if (!tokens) this.#tokensByUser.set(userId, (tokens = new Set()))
      tokens.add(token)
    }
    return () => {
      ends.delete(end)
      if (ends.size === 0 && this.#byToken.get(token) === ends) this.#byToken.delete(token)
      if (tokens && !this.#byToken.has(token)) {
        tokens.delete(token)
        if (tokens.size === 0 && this.#tokensByUser.get(userId!) === tokens) this.#tokensByUser.delete(userId!)
      }
    }
  }

  /** Ends every stream of every session of the user (disabled: their sessions are deleted in the same breath). */
  endUser(userId: string): void {
    const tokens = this.#tokensByUser.get(userId)
    this.#tokensByUser.delete(userId)
    for (const token of tokens ?? []) this.endSession(token)
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
