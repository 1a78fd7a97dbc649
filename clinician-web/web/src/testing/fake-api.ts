/**
 * The unit tests' boundary: `fetch` and `EventSource` replaced by fakes, so
 * pages run exactly as in the browser against a scripted server. Importing
 * this module registers the cleanup after each test.
 */
import { cleanup } from '@testing-library/react'
import { afterEach, vi } from 'vitest'

export interface FakeRequest {
  method: string
  path: string
  url: URL
  body: unknown
}

export type FakeReply =
  { status: number; body?: unknown } | Promise<{ status: number; body?: unknown }>
export type FakeHandler = (request: FakeRequest) => FakeReply

/** Routes as "METHOD /path" (query ignored), or a function for anything more. */
export function installFakeApi(
  routes: Record<string, FakeHandler | { status: number; body?: unknown }>,
) {
  const requests: FakeRequest[] = []
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), 'http://varde.test')
    const method = (init?.method ?? 'GET').toUpperCase()
    const body = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined
    const request = { method, path: url.pathname, url, body }
    requests.push(request)
    if (init?.credentials !== 'same-origin')
      throw new Error(`fetch without credentials: same-origin: ${method} ${url.pathname}`)
    const route = routes[`${method} ${url.pathname}`]
    const reply =
      route === undefined
        ? {
            status: 404,
            body: { error: { code: 'not-found', message: 'No such route in the fake' } },
          }
        : typeof route === 'function'
          ? await route(request)
          : route
    return new Response(reply.body === undefined ? null : JSON.stringify(reply.body), {
      status: reply.status,
      headers: reply.body === undefined ? {} : { 'content-type': 'application/json' },
    })
  })
  vi.stubGlobal('fetch', fetchMock)
  return {
    requests,
    fetchMock,
    /** Requests matching "METHOD /path". */
    calls: (key: string) => requests.filter((r) => `${r.method} ${r.path}` === key),
  }
}

type Listener = (event: MessageEvent<string>) => void

export class FakeEventSource {
  static readonly CONNECTING = 0
  static readonly OPEN = 1
  static readonly CLOSED = 2
  static instances: FakeEventSource[] = []

  readyState = FakeEventSource.CONNECTING
  onopen: ((event: Event) => void) | null = null
  onerror: ((event: Event) => void) | null = null
  private readonly listeners = new Map<string, Listener[]>()

  constructor(readonly url: string) {
    FakeEventSource.instances.push(this)
  }

  static latest(): FakeEventSource {
    const last = FakeEventSource.instances.at(-1)
    if (!last) throw new Error('no EventSource was opened')
    return last
  }

  addEventListener(type: string, listener: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener])
  }

  close(): void {
    this.readyState = FakeEventSource.CLOSED
  }

  open(): void {
    this.readyState = FakeEventSource.OPEN
    this.onopen?.(new Event('open'))
  }

  /** The connection dropped; `isFinal` as when the server answered with an HTTP error. */
  fail(isFinal = false): void {
    this.readyState = isFinal ? FakeEventSource.CLOSED : FakeEventSource.CONNECTING
    this.onerror?.(new Event('error'))
  }

  emit(type: string, data: unknown): void {
    const event = new MessageEvent<string>(type, { data: JSON.stringify(data) })
    for (const l of this.listeners.get(type) ?? []) l(event)
  }
}

export function installFakeEventSource(): typeof FakeEventSource {
  FakeEventSource.instances = []
  vi.stubGlobal('EventSource', FakeEventSource)
  return FakeEventSource
}

/** Start a test at this address, as if typed into the address bar. */
export function visit(path: string): void {
  window.history.replaceState(null, '', path)
}

afterEach(() => {
  cleanup()
  vi.unstubAllGlobals()
  vi.useRealTimers()
  window.localStorage.clear()
  window.history.replaceState(null, '', '/')
  document.documentElement.lang = ''
})
