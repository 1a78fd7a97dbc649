import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useRef,
  useSyncExternalStore,
  type ReactNode,
} from 'react'
import type { LiveEvents, LiveHandlers, LiveStatus } from './live-events'

const LiveEventsContext = createContext<LiveEvents | null>(null)

/** Runs one event stream for the logged-in session and shares it with every page. */
export function LiveEventsProvider({ live, children }: { live: LiveEvents; children: ReactNode }) {
  useEffect(() => {
    live.start()
    return () => live.stop()
  }, [live])
  return <LiveEventsContext.Provider value={live}>{children}</LiveEventsContext.Provider>
}

/** Subscribes to live events for the life of the component; the latest handlers are always used. */
export function useLiveEvents(handlers: LiveHandlers): void {
  const live = useContext(LiveEventsContext)
  const ref = useRef(handlers)
  useEffect(() => {
    ref.current = handlers
  })
  useEffect(() => {
    if (!live) return
    return live.subscribe({
      onMeasurement: (e) => ref.current.onMeasurement?.(e),
      onAlert: (e) => ref.current.onAlert?.(e),
      onResync: () => ref.current.onResync?.(),
    })
  }, [live])
}

export function useLiveStatus(): LiveStatus | null {
  const live = useContext(LiveEventsContext)
  const subscribe = useCallback(
    (notify: () => void) => (live ? live.onStatus(notify) : () => {}),
    [live],
  )
  return useSyncExternalStore(subscribe, () => live?.status ?? null)
}
