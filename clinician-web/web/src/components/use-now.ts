import { useSyncExternalStore } from 'react'

/**
 * One shared clock for relative times ("for 5 min siden"): every subscriber
 * re-renders on the same tick, so a list never shows mixed ages.
 */
const TICK_MS = 30_000
const listeners = new Set<() => void>()
let now = Date.now()
let timer: ReturnType<typeof setInterval> | null = null

function subscribe(listener: () => void): () => void {
  listeners.add(listener)
  if (!timer) {
    now = Date.now()
    timer = setInterval(() => {
      now = Date.now()
      for (const l of [...listeners]) l()
    }, TICK_MS)
  }
  return () => {
    listeners.delete(listener)
    if (listeners.size === 0 && timer) {
      clearInterval(timer)
      timer = null
    }
  }
}

/** While nobody subscribes the clock stands still: the first render after a pause must not show the old time. */
function snapshot(): number {
  if (!timer && Date.now() - now >= 1000) now = Date.now()
  return now
}

export function useNow(): number {
  return useSyncExternalStore(subscribe, snapshot)
}

/** Move the clock now (after a live event, so "akkurat nå" is right at once). */
export function tickNow(): void {
  now = Date.now()
  for (const l of [...listeners]) l()
}
