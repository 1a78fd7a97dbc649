import { describe, expect, it } from 'vitest'
import { startWorkLoop } from './work-loop.js'

/** A promise and its resolver, to hold a job mid-run. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => {}
  const promise = new Promise<void>((resolve) => { open = resolve })
  return { promise, open }
}

describe('the work loop', () => {
  it('runs a job once for wakes that came before it started, and again for a wake while it ran (never lost)', async () => {
    const runs: number[] = []
    let hold = gate()
    const loop = startWorkLoop({ work: { run: async () => { runs.push(runs.length); await hold.promise } } })
    loop.wake('work')
    loop.wake('work')
    loop.wake('work')
    await until(() => runs.length === 1)
    // woken while running: one more run after this one, however many wakes
    loop.wake('work')
    loop.wake('work')
    const first = hold
    hold = gate()
    first.open()
    await until(() => runs.length === 2)
    hold.open()
    await loop.drain('work')
    // drain itself woke it once more
    expect(runs).toEqual([0, 1, 2])
    await loop.stop()
  })

  it('runs wanted jobs one at a time, in the order given, and resolves a run with the result of one that began after it was asked', async () => {
    const order: string[] = []
    let hold = gate()
    let n = 0
    const loop = startWorkLoop({
      first: { run: async () => { order.push('first'); await hold.promise } },
      second: { run: async () => { order.push('second'); return ++n } },
    })
    loop.wake('first')
    await until(() => order.length === 1)
    const asked = loop.run('second')
    loop.wake('first')
    hold.open()
    hold = gate()
    hold.open()
    // first was woken again while it ran, and comes before second
    expect(await asked).toBe(1)
    expect(order).toEqual(['first', 'first', 'second'])
    await loop.stop()
  })

  it('wakes at start and on its interval; a failing job neither stops the loop nor is lost to its caller', async () => {
    let runs = 0
    const errors: string[] = []
    const loop = startWorkLoop(
      { work: { run: async () => { runs++; if (runs === 2) throw new Error('boom') }, atStart: true, everyMs: 10 } },
      { onError: (job, error) => errors.push(`${job}: ${(error as Error).message}`) },
    )
    await until(() => runs >= 1)
    await until(() => errors.length === 1)
    expect(errors).toEqual(['work: boom'])
    await until(() => runs >= 3)
    const failing = startWorkLoop({ work: { run: () => Promise.reject(new Error('db down')) } })
    await expect(failing.run('work')).rejects.toThrow('db down')
    await Promise.all([loop.stop(), failing.stop()])
  })

  it('waits for `after`, and on stop ends the job under way, answers waiting callers and runs nothing more', async () => {
    const ready = gate()
    let hold = gate()
    let runs = 0
    const loop = startWorkLoop({ work: { run: async () => { runs++; await hold.promise }, atStart: true } }, { after: ready.promise })
    const drained = loop.drain('work')
    await Promise.resolve()
    expect(runs).toBe(0)
    ready.open()
    await until(() => runs === 1)
    const asked = loop.run('work')
    const stopping = loop.stop()
    hold.open()
    await stopping
    await drained
    expect(await asked).toBeUndefined()
    expect(runs).toBe(1)
    loop.wake('work')
    expect(await loop.run('work')).toBeUndefined()
    hold = gate()
    // a loop whose `after` never comes still stops
    await startWorkLoop({ work: { run: async () => {}, atStart: true } }, { after: hold.promise }).stop()
  })
})

/** Polls a condition with a deadline (no fixed sleeps). */
async function until(isDone: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms
  while (!isDone()) {
    if (Date.now() > deadline) throw new Error('condition not reached')
    await new Promise((r) => setTimeout(r, 1))
  }
}
