import type { AlertEvent, Measurement, MeasurementEvent } from '@varde/api-contract'

/**
 * GET /api/events (Server-Sent Events): `measurement` and `alert` events for
 * the caller's patients. The browser's EventSource reconnects by itself after
 * a dropped connection; when it gives up (the server answered with an error)
 * we open a new one with back-off. Every reopening is announced as a resync,
 * so pages refetch whatever happened while the stream was down.
 */

export type LiveStatus = 'connecting' | 'open' | 'reconnecting' | 'unsupported'

export interface LiveHandlers {
  onMeasurement?(event: MeasurementEvent): void
  onAlert?(event: AlertEvent): void
  /** The stream reconnected: events may have been missed, refetch. */
  onResync?(): void
}

export interface EventSourceLike {
  readonly readyState: number
  onopen: ((event: Event) => void) | null
  onerror: ((event: Event) => void) | null
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void
  close(): void
}

export type EventSourceFactory = (url: string) => EventSourceLike

const CLOSED = 2
const MAX_RETRY_MS = 30_000

export class LiveEvents {
  private source: EventSourceLike | null = null
  private readonly handlers = new Set<LiveHandlers>()
  private readonly statusListeners = new Set<(status: LiveStatus) => void>()
  private current: LiveStatus = 'connecting'
  private hasOpened = false
  private retryMs = 2_000
  private retryTimer: ReturnType<typeof setTimeout> | null = null
  private isStopped = true

  constructor(
    private readonly url = '/api/events',
    private readonly createSource: EventSourceFactory | null = typeof EventSource === 'undefined'
      ? null
      : (u) => new EventSource(u) as EventSourceLike,
  ) {}

  get status(): LiveStatus {
    return this.current
  }

  start(): void {
    if (!this.isStopped) return
    this.isStopped = false
    if (!this.createSource) {
      this.setStatus('unsupported')
      return
    }
    this.connect()
  }

  stop(): void {
    this.isStopped = true
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.retryTimer = null
    this.source?.close()
    this.source = null
  }

  subscribe(handlers: LiveHandlers): () => void {
    this.handlers.add(handlers)
    return () => this.handlers.delete(handlers)
  }

  onStatus(listener: (status: LiveStatus) => void): () => void {
    this.statusListeners.add(listener)
    return () => this.statusListeners.delete(listener)
  }

  private connect(): void {
    if (!this.createSource || this.isStopped) return
    const source = this.createSource(this.url)
    this.source = source
    this.setStatus(this.hasOpened ? 'reconnecting' : 'connecting')
    source.onopen = () => {
      this.retryMs = 2_000
      const isReconnect = this.hasOpened
      this.hasOpened = true
      this.setStatus('open')
      if (isReconnect) for (const h of [...this.handlers]) h.onResync?.()
    }
    source.onerror = () => {
      if (this.source !== source) return
      this.setStatus('reconnecting')
      if (source.readyState === CLOSED) {
        // EventSource gave up (an HTTP error, e.g. a restart in progress): try again ourselves.
        source.close()
        this.source = null
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null
          this.connect()
        }, this.retryMs)
        this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS)
      }
    }
    source.addEventListener('measurement', (event) => {
      const data = parseMeasurementEvent(event.data)
      if (data) for (const h of [...this.handlers]) h.onMeasurement?.(data)
    })
    source.addEventListener('alert', (event) => {
      const data = parseAlertEvent(event.data)
      if (data) for (const h of [...this.handlers]) h.onAlert?.(data)
    })
  }

  private setStatus(status: LiveStatus): void {
    if (status === this.current) return
    this.current = status
    for (const listener of [...this.statusListeners]) listener(status)
  }
}

// Events come from our own server, but a malformed one must not break a page a nurse is watching.

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isMeasurement(value: unknown): value is Measurement {
  return (
    isRecord(value) &&
    typeof value.id === 'string' &&
    typeof value.type === 'string' &&
    typeof value.value === 'number' &&
    typeof value.unit === 'string' &&
    typeof value.measuredAt === 'string' &&
    !Number.isNaN(Date.parse(value.measuredAt))
  )
}

export function parseMeasurementEvent(text: string): MeasurementEvent | null {
  const data = parseJson(text)
  if (!isRecord(data) || typeof data.patientId !== 'string' || !Array.isArray(data.readings))
    return null
  const readings = data.readings
    .filter(isMeasurement)
    .map((r) => ({ ...r, flags: Array.isArray(r.flags) ? r.flags : [] }))
  return { patientId: data.patientId, readings }
}

export function parseAlertEvent(text: string): AlertEvent | null {
  const data = parseJson(text)
  if (!isRecord(data) || !isRecord(data.alert)) return null
  const a = data.alert
  if (
    typeof a.id !== 'string' ||
    typeof a.patientId !== 'string' ||
    typeof a.status !== 'string' ||
    typeof a.severity !== 'string'
  )
    return null
  return { alert: data.alert as unknown as AlertEvent['alert'] }
}
