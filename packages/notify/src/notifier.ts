import type { Escalation } from './escalation.js'

/** A way to tell people outside the portal that a red alert waits: a webhook, e-mail, … */
export interface Notifier {
  /** Names the notifier in logs and in the alert's history (`webhook`, `email`). */
  readonly name: string
  /** Delivers one notice; resolves once the receiver accepted it, throws a `NotifyError` otherwise. */
  notify(escalation: Escalation): Promise<void>
}

export type NotifyErrorCode = 'timeout' | 'network' | 'http-status' | 'smtp'

/**
 * A failed delivery. `detail` goes to logs and to the alert's history, so it
 * names no secret: no webhook path or query (often a token), no password.
 */
export class NotifyError extends Error {
  constructor(
    readonly code: NotifyErrorCode,
    readonly detail: string,
  ) {
    super(`${code}: ${detail}`)
    this.name = 'NotifyError'
  }
}
