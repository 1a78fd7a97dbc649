import { setTimeout as sleep } from 'node:timers/promises'
import type { IPublishPacket } from 'mqtt'
import type { Logger } from 'pino'
import { isContentError } from './store-flush.js'

export interface MessageRetryOptions {
  log: Logger
  /** Ingest is stopping: give up, the message is left for the next session. */
  isStopping(): boolean
  /** Aborted at stop's deadline: the back-off ends at once. */
  deadline: AbortSignal
  onError(): void
}

/**
 * Handling a message needs the database (gateway lookup, status): while it is
 * down, retry with back-off (100 ms … 5 s), never drop. Resolves true when
 * handled (or dropped for its content), false when ingest stopped first.
 */
export async function handleWithRetry(options: MessageRetryOptions, packet: IPublishPacket, handle: (packet: IPublishPacket) => Promise<void>): Promise<boolean> {
  const { log } = options
  for (let attempt = 0; ; attempt++) {
    try {
      await handle(packet)
      return true
    } catch (error) {
      options.onError()
      if (isContentError(error)) {
        // the same message fails the same way however often it is tried, and would hold every message
        // behind it (MQTT.js hands over one at a time): a status is not answered, so it is dropped (issue 14)
        log.warn({ event: 'message-unstorable', topic: packet.topic, sqlstate: error.code }, 'a message could not be stored for its content; dropped')
        return true
      }
      log.error({ err: error, topic: packet.topic, attempt }, 'message handling failed; retrying')
      if (options.isStopping()) return false
      await sleep(Math.min(5000, 100 * 2 ** attempt), undefined, { signal: options.deadline }).catch(() => {})
    }
  }
}
