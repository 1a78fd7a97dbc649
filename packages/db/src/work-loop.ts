/**
 * The loop of a worker that drains a queue in the database (docs/decisions/
 * 0022-work-loop.md): the rules worker, the outbox relay, escalation and the
 * forwarding worker each run named jobs, one at a time, in the order the jobs
 * are given, when woken (work was written), on their interval (work nobody
 * woke them for: another process's, a crashed worker's) or once at start.
 * A wake while a job runs is kept and runs it again afterwards: never lost,
 * and coalesced with other wakes of the same job.
 */
export interface WorkJob<T = unknown> {
  /** Does the job; a job that knows more is waiting wakes itself (`loop.wake`) before returning. */
  run: () => Promise<T>
  /** Also woken this often, in ms. */
  everyMs?: number
  /** Woken at start (whatever a previous run left). */
  atStart?: boolean
}

export interface WorkLoop<J extends Record<string, WorkJob>> {
  /** Work came: runs the job soon (once for any number of wakes before it starts). */
  wake(job: keyof J): void
  /**
   * Wakes the job and resolves with the result of a run that began after this
   * call, or rejects with its error; undefined if the loop stops first.
   */
  run<K extends keyof J>(job: K): Promise<Awaited<ReturnType<J[K]['run']>> | undefined>
  /** Wakes the job and resolves once no job is wanted and none runs (tests, shutdown). */
  drain(job: keyof J): Promise<void>
  readonly isStopped: boolean
  /** Stops the timers and resolves once the job under way has ended (at most `timeoutMs` if given). */
  stop(options?: { timeoutMs?: number }): Promise<void>
}

export interface WorkLoopOptions {
  /** Nothing runs before this resolves (an MQTT connection, …). */
  after?: Promise<unknown>
  /** A job's error that no `run` caller took: the job is its own logger, so this is for what it let through. */
  onError?: (job: string, error: unknown) => void
}

export function startWorkLoop<J extends Record<string, WorkJob>>(jobs: J, options: WorkLoopOptions = {}): WorkLoop<J> {
  const names = Object.keys(jobs) as (keyof J & string)[]
  const wanted = new Set<keyof J>(names.filter((n) => jobs[n]?.atStart))
  const runWaiters = new Map<keyof J, { resolve: (value: unknown) => void; reject: (error: unknown) => void }[]>()
  let idleWaiters: (() => void)[] = []
  let signal: (() => void) | null = null
  let isStopped = false
  let onStop: () => void = () => {}
  const stopped = new Promise<void>((resolve) => { onStop = resolve })

  const poke = () => {
    const s = signal
    signal = null
    s?.()
  }
  const timers = names.flatMap((name) => {
    const everyMs = jobs[name]?.everyMs
    if (everyMs === undefined) return []
    const timer = setInterval(() => loop.wake(name), everyMs)
    timer.unref()
    return [timer]
  })

  const done = (async () => {
    await Promise.race([options.after, stopped])
    while (!isStopped) {
      const next = names.find((n) => wanted.has(n))
      if (next === undefined) {
        const waiters = idleWaiters
        idleWaiters = []
        waiters.forEach((w) => w())
        await new Promise<void>((resolve) => { signal = resolve })
        continue
      }
      wanted.delete(next)
      // a run asked for while this one runs gets the next one
      const waiters = runWaiters.get(next) ?? []
      runWaiters.delete(next)
      try {
        const value = await jobs[next]!.run()
        waiters.forEach((w) => w.resolve(value))
      } catch (error) {
        waiters.forEach((w) => w.reject(error))
        if (waiters.length === 0) options.onError?.(next, error)
      }
    }
    idleWaiters.splice(0).forEach((w) => w())
    for (const waiters of runWaiters.values()) waiters.forEach((w) => w.resolve(undefined))
    runWaiters.clear()
  })()

  const loop: WorkLoop<J> = {
    wake(job) {
      if (isStopped) return
      wanted.add(job)
      poke()
    },
    run(job) {
      if (isStopped) return Promise.resolve(undefined)
      const result = new Promise<unknown>((resolve, reject) => {
        const waiters = runWaiters.get(job) ?? []
        waiters.push({ resolve, reject })
        runWaiters.set(job, waiters)
      })
      loop.wake(job)
      return result as Promise<Awaited<ReturnType<J[typeof job]['run']>> | undefined>
    },
    drain(job) {
      if (isStopped) return Promise.resolve()
      const idle = new Promise<void>((resolve) => idleWaiters.push(resolve))
      loop.wake(job)
      return idle
    },
    get isStopped() {
      return isStopped
    },
    async stop(stopOptions = {}) {
      isStopped = true
      onStop()
      timers.forEach((t) => clearInterval(t))
      poke()
      if (stopOptions.timeoutMs === undefined) return done
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, stopOptions.timeoutMs).unref())
      await Promise.race([done, timeout])
    },
  }
  return loop
}
