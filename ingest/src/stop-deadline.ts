import type { Logger } from 'pino'

/**
 * Waits for a step of stopping until the deadline (`signal` aborted): true
 * when it finished, or failed (logged), in time; false when the deadline came
 * first. The step itself goes on; stopping just stops waiting for it.
 */
export function beforeDeadline(signal: AbortSignal, step: Promise<unknown>, log: Logger): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false)
  return new Promise<boolean>((resolve) => {
    const onAbort = () => resolve(false)
    signal.addEventListener('abort', onAbort, { once: true })
    step.then(
      () => resolve(true),
      (error: unknown) => {
        log.error({ err: error }, 'a step of stopping failed')
        resolve(true)
      },
    ).finally(() => signal.removeEventListener('abort', onAbort))
  })
}
