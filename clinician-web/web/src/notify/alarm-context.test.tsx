import { act, render, screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import type { Episode } from '@varde/api-contract'
import { afterEach, beforeAll, beforeEach, expect, test } from 'vitest'
import { App } from '../app'
import { alert, episode, minutesAgo, session } from '../testing/fixtures'
import { FakeEventSource, installFakeApi, installFakeEventSource, visit } from '../testing/fake-api'
import { AlertsPage } from '../pages/lazy-pages'

// The app loads this page lazily (pages/lazy-pages.ts); its code's first load in jsdom may
// take longer than findBy's 1 s on a busy machine, which is not what these tests are about.
beforeAll(async () => {
  await AlertsPage.preload()
})

/*
 * The red-episode alarm belongs to the app shell (issue 20): it calls from
 * whatever page the nurse is on, not only the inbox, and once per episode,
 * also across a change of page.
 */

const shown: { title: string; body: string | undefined }[] = []
class RecordingNotification {
  static permission: NotificationPermission = 'granted'
  static requestPermission = () => Promise.resolve(RecordingNotification.permission)
  onclick: (() => void) | null = null
  constructor(title: string, options?: NotificationOptions) {
    shown.push({ title, body: options?.body })
  }
  close(): void {}
}

beforeEach(() => {
  shown.length = 0
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' })
})
afterEach(() => {
  Reflect.deleteProperty(document, 'visibilityState')
})

const kariRed = episode({
  id: 'e-kari', severity: 'red',
  alerts: [alert({ id: 'a-kari', severity: 'red', openedAt: minutesAgo(1) })],
})
const olaYellow = episode({
  id: 'e-ola', severity: 'yellow',
  alerts: [alert({ id: 'a-ola', severity: 'yellow', openedAt: minutesAgo(1), patientId: 'p-ola', patientName: 'Ola Hansen' })],
})

function start(path: string) {
  let inbox: Episode[] = []
  installFakeEventSource()
  ;(globalThis as { Notification?: unknown }).Notification = RecordingNotification
  const api = installFakeApi({
    'GET /api/session': { status: 200, body: session },
    'GET /api/episodes': () => ({ status: 200, body: { items: inbox, now: new Date().toISOString() } }),
  })
  visit(path)
  render(<App />)
  const loads = () => api.calls('GET /api/episodes').length
  /** The server now has these episodes; a live alert event makes the shell ask again. */
  const arrive = async (items: Episode[]) => {
    const before = loads()
    inbox = items
    act(() => FakeEventSource.latest().emit('alert', { alert: items[0]!.alerts[0] }))
    await waitFor(() => expect(loads()).toBeGreaterThan(before))
    // the answer is in the cache and the alarm has looked at it
    await waitFor(() => expect(api.fetchMock.mock.results.every((r) => r.type !== 'incomplete')).toBe(true))
  }
  return { arrive, loads }
}

afterEach(() => {
  Reflect.deleteProperty(globalThis, 'Notification')
})

test('a red episode arriving in the background notifies on a page other than the inbox, once, also after a page change', async () => {
  const user = userEvent.setup()
  const { arrive, loads } = start('/finnes-ikke')
  await screen.findByRole('heading', { level: 1 })
  await waitFor(() => expect(loads()).toBeGreaterThan(0))
  act(() => FakeEventSource.latest().open())

  await arrive([olaYellow])
  expect(shown).toEqual([]) // yellow is quiet

  await arrive([kariRed, olaYellow])
  await waitFor(() => expect(shown).toHaveLength(1))
  // the notification names no patient and no value (a locked screen, a shared desk)
  expect(shown[0]!.body).not.toMatch(/Kari|Nordmann/)

  // another page, and the same episode with another red reading: no second notification
  await user.click(screen.getByRole('link', { name: 'Varsler' }))
  await screen.findByRole('heading', { level: 1, name: 'Varsler' })
  await arrive([episode({ ...kariRed, readingCount: 2 }), olaYellow])
  expect(shown).toHaveLength(1)
})
