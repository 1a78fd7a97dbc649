import { act, render, screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { beforeAll, beforeEach, describe, expect, test, vi } from 'vitest'
import type { Episode } from '@varde/api-contract'
import { App } from '../app'
import { alert, episode, minutesAgo, NOW, session } from '../testing/fixtures'
import { FakeEventSource, installFakeApi, installFakeEventSource, visit, type FakeHandler } from '../testing/fake-api'
import { inboxKeyOf } from './inbox-keys'
import { AlertsPage } from './lazy-pages'

// The app loads this page lazily (pages/lazy-pages.ts); its code's first load in jsdom may
// take longer than findBy's 1 s on a busy machine, which is not what these tests are about.
beforeAll(async () => {
  await AlertsPage.preload()
})

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(NOW)
})

/** The platform clock is 2 days ahead of this computer's (moved in demo mode): snoozes count from it. */
const PLATFORM_NOW = new Date(NOW + 2 * 86_400_000).toISOString()

const kariSpo2 = episode({
  id: 'e-kari',
  severity: 'red',
  alerts: [
    alert({ id: 'a-kari-1', severity: 'yellow', openedAt: minutesAgo(120), readings: [{ type: 'spo2', value: 92, unit: '%', measuredAt: minutesAgo(120) }] }),
    alert({ id: 'a-kari-2', severity: 'red', openedAt: minutesAgo(30), count: 4, summary: 'Oksygenmetning 86 %', rule: 'threshold:spo2',
      readings: [{ type: 'spo2', value: 86, unit: '%', measuredAt: minutesAgo(30) }], thresholds: { spo2: { min: 88 } } }),
  ],
  readingCount: 5,
  first: { value: 92, unit: '%', at: minutesAgo(120), severity: 'yellow' },
  worst: { value: 86, unit: '%', at: minutesAgo(30), severity: 'red' },
  latest: { value: 87, unit: '%', at: minutesAgo(5), severity: 'red' },
})
const olaWeight = episode({
  id: 'e-ola', severity: 'yellow', topic: 'vital:body-weight', vital: 'body-weight',
  alerts: [alert({ id: 'a-ola', severity: 'yellow', openedAt: minutesAgo(300), patientId: 'p-ola', patientName: 'Ola Hansen',
    readings: [{ type: 'body-weight', value: 84.2, unit: 'kg', measuredAt: minutesAgo(300) }] })],
})
const astridAcked = episode({
  id: 'e-astrid', severity: 'yellow', status: 'acknowledged',
  alerts: [alert({ id: 'a-astrid', severity: 'yellow', openedAt: minutesAgo(600), status: 'acknowledged', patientId: 'p-astrid',
    patientName: 'Astrid Larsen', acknowledgedBy: 'Sara Sykepleier', acknowledgedAt: minutesAgo(500) })],
})
const perGateway = episode({
  id: 'e-per', severity: 'yellow', kind: 'technical', topic: 'rule:device:gateway-offline', vital: null, first: null, worst: null, latest: null,
  alerts: [alert({ id: 'a-per', severity: 'yellow', openedAt: minutesAgo(60), patientId: 'p-per', patientName: 'Per Olsen', rule: 'device:gateway-offline',
    summary: 'Basestasjonen har ikke meldt seg på 6 timer', readings: [] })],
})
const bodilSnoozed = episode({
  id: 'e-bodil', severity: 'yellow',
  alerts: [alert({ id: 'a-bodil', severity: 'yellow', openedAt: minutesAgo(200), patientId: 'p-bodil', patientName: 'Bodil Berg' })],
  snooze: { until: new Date(Date.parse(PLATFORM_NOW) + 3_600_000).toISOString(), reason: 'Ringt, måler i kveld', severity: 'yellow', byName: 'Sara Sykepleier', at: PLATFORM_NOW },
})

function renderInbox(inbox: Episode[] = [kariSpo2, olaWeight, astridAcked, perGateway], routes: Record<string, FakeHandler | { status: number; body?: unknown }> = {}) {
  installFakeEventSource()
  const api = installFakeApi({
    'GET /api/session': { status: 200, body: session },
    'GET /api/episodes': (r) => ({
      status: 200,
      body: { items: r.url.searchParams.get('snoozed') === 'only' ? [bodilSnoozed] : inbox, now: PLATFORM_NOW },
    }),
    ...routes,
  })
  visit('/alerts')
  render(<App />)
  return api
}

const section = (name: RegExp) => screen.getByRole('region', { name })
const patientsIn = (region: HTMLElement) => within(region).queryAllByRole('heading', { level: 3 }).map((h) => h.textContent)
const inboxLoads = (api: ReturnType<typeof installFakeApi>) =>
  api.calls('GET /api/episodes').filter((c) => c.url.searchParams.get('snoozed') === null).length

test('one card per episode: clinical to act on, under follow-up, technical apart, snoozed apart; each with its course', async () => {
  renderInbox()
  await screen.findByRole('region', { name: /Åpne/ })
  expect(patientsIn(section(/Åpne/))).toEqual(['Kari Nordmann', 'Ola Hansen'])
  expect(patientsIn(section(/Kvittert ut/))).toEqual(['Astrid Larsen'])
  expect(patientsIn(section(/Tekniske varsler/))).toEqual(['Per Olsen'])
  expect(patientsIn(await screen.findByRole('region', { name: /Utsatt/ }))).toEqual(['Bodil Berg'])

  const kari = within(screen.getByTestId('episode-e-kari'))
  expect(kari.getByText('Rødt varsel')).toBeTruthy()
  expect(kari.getByText(/5 målinger utenfor grensen/)).toBeTruthy()
  expect(kari.getByText(/2 varsler/)).toBeTruthy()
  expect(kari.getByText('Først').nextElementSibling?.textContent).toMatch(/^92\s%/)
  expect(kari.getByText('Verst').nextElementSibling?.textContent).toMatch(/^86\s%/)
  // a worst that is the latest finding is not said twice (ADR 0027 keeps no extreme finding)
  expect(within(screen.getByTestId('episode-e-ola')).queryByText('Verst')).toBeNull()
  expect(kari.getByText('Sist').nextElementSibling?.textContent).toMatch(/^87\s%/)
  // the rules and values that made it, on demand
  expect(kari.queryByText('threshold:spo2')).toBeNull()
  await userEvent.setup().click(kari.getByRole('button', { name: 'Vis hvorfor' }))
  expect(kari.getByText('threshold:spo2')).toBeTruthy()
  expect(kari.getByText(/Utløst 4 ganger/)).toBeTruthy()
  expect(within(screen.getByTestId('episode-e-bodil')).getByText(/Utsatt til .* av Sara Sykepleier: Ringt, måler i kveld/)).toBeTruthy()
  // the keys are shown on the screen
  expect(screen.getByText(/Hurtigtaster/).parentElement?.textContent).toMatch(/j\/k eller ↑\/↓ flytter · Enter viser hvorfor · a kvitterer ut/)
})

test('Kvitter ut acknowledges the whole episode with one request, then the inbox is asked again', async () => {
  let acked = false
  const api = renderInbox(undefined, {
    'POST /api/episodes/e-kari/acknowledge': () => { acked = true; return { status: 200, body: { ...kariSpo2, status: 'acknowledged' } } },
  })
  await screen.findByRole('region', { name: /Åpne/ })
  const loads = inboxLoads(api)
  await userEvent.setup().click(within(screen.getByTestId('episode-e-kari')).getByRole('button', { name: 'Kvitter ut' }))
  expect(await screen.findByText('Episoden for Kari Nordmann er kvittert ut.')).toBeTruthy()
  expect(acked).toBe(true)
  expect(api.calls('POST /api/episodes/e-kari/acknowledge')).toHaveLength(1)
  await waitFor(() => expect(inboxLoads(api)).toBeGreaterThan(loads))
})

test('Utsett asks why, and snoozes until an hour past the platform\'s time, not this computer\'s', async () => {
  const api = renderInbox(undefined, {
    'POST /api/episodes/e-ola/snooze': (r) => ({ status: 200, body: { ...olaWeight, snooze: { ...(r.body as object), severity: 'yellow', byName: 'Sara Sykepleier', at: PLATFORM_NOW } } }),
  })
  await screen.findByRole('region', { name: /Åpne/ })
  const user = userEvent.setup()
  const ola = within(screen.getByTestId('episode-e-ola'))
  await user.click(ola.getByRole('button', { name: 'Utsett' }))
  await user.click(ola.getByRole('button', { name: 'Utsett episoden' }))
  expect(ola.getByRole('alert').textContent).toBe('Skriv hvorfor episoden utsettes.')
  expect(api.calls('POST /api/episodes/e-ola/snooze')).toHaveLength(0)

  await user.type(ola.getByLabelText('Hvorfor (påkrevd)'), 'Veid etter middag')
  await user.click(ola.getByRole('button', { name: 'Utsett episoden' }))
  expect(await screen.findByText('Episoden for Ola Hansen er utsatt.')).toBeTruthy()
  expect(api.calls('POST /api/episodes/e-ola/snooze')[0]?.body).toEqual({
    until: new Date(Date.parse(PLATFORM_NOW) + 3_600_000).toISOString(),
    reason: 'Veid etter middag',
  })
})

test('keyboard triage: j/k and the arrows move between cards, Enter opens, a acknowledges the selected one', async () => {
  const api = renderInbox(undefined, {
    'POST /api/episodes/e-ola/acknowledge': { status: 200, body: { ...olaWeight, status: 'acknowledged' } },
  })
  await screen.findByRole('region', { name: /Åpne/ })
  const user = userEvent.setup()
  await user.keyboard('j')
  expect(document.activeElement).toBe(screen.getByTestId('episode-e-ola'))
  await user.keyboard('k')
  expect(document.activeElement).toBe(screen.getByTestId('episode-e-kari'))
  await user.keyboard('{ArrowDown}')
  expect(document.activeElement).toBe(screen.getByTestId('episode-e-ola'))
  await user.keyboard('{Enter}')
  expect(within(screen.getByTestId('episode-e-ola')).getByRole('button', { name: 'Skjul hvorfor' }).getAttribute('aria-expanded')).toBe('true')
  await user.keyboard('a')
  expect(await screen.findByText('Episoden for Ola Hansen er kvittert ut.')).toBeTruthy()
  expect(api.calls('POST /api/episodes/e-ola/acknowledge')).toHaveLength(1)
  expect(api.calls('POST /api/episodes/e-kari/acknowledge')).toHaveLength(0)
})

test('a live alert event asks the server for the episodes again', async () => {
  const api = renderInbox()
  await screen.findByRole('region', { name: /Åpne/ })
  const source = FakeEventSource.latest()
  act(() => source.open())
  const before = inboxLoads(api)
  act(() => source.emit('alert', { alert: alert({ id: 'a-new', severity: 'red', openedAt: minutesAgo(0) }) }))
  await waitFor(() => expect(inboxLoads(api)).toBeGreaterThan(before))
})

describe('inboxKeyOf', () => {
  const card = document.createElement('article')
  card.dataset.episodeId = 'e1'
  const field = document.createElement('textarea')
  const button = document.createElement('button')
  const plain = { altKey: false, ctrlKey: false, metaKey: false }
  test.each([
    ['j', card, 'next'], ['k', button, 'previous'], ['a', document.body, 'acknowledge'],
    ['ArrowDown', card, 'next'], ['ArrowDown', document.body, null], ['Enter', card, 'open'], ['Enter', button, null],
    ['a', field, null], ['j', field, null],
  ] as const)('%s on %s', (key, target, expected) => {
    expect(inboxKeyOf({ key, ...plain }, target)).toBe(expected)
  })
  test('a key with a modifier is the browser\'s', () => {
    expect(inboxKeyOf({ key: 'a', altKey: false, ctrlKey: true, metaKey: false }, card)).toBeNull()
  })
})
