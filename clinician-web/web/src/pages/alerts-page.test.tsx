import { act, render, screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { beforeEach, describe, expect, test, vi } from 'vitest'
import type { Alert } from '@varde/api-contract'
import { App } from '../app'
import { mergeLoaded } from './alerts-page'
import { alert, minutesAgo, NOW, session } from '../testing/fixtures'
import {
  FakeEventSource,
  installFakeApi,
  installFakeEventSource,
  visit,
  type FakeHandler,
} from '../testing/fake-api'

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(NOW)
})

const alerts: Alert[] = [
  alert({
    id: 'a-yellow-old',
    severity: 'yellow',
    openedAt: minutesAgo(300),
    patientId: 'p-ola',
    patientName: 'Ola Hansen',
    summary: 'Vektøkning 2,1 kg på 3 dager',
    rule: 'weight-gain',
    readings: [{ type: 'body-weight', value: 84.2, unit: 'kg', measuredAt: minutesAgo(300) }],
    thresholds: { delta: 2, days: 3 },
  }),
  alert({ id: 'a-red-new', severity: 'red', openedAt: minutesAgo(5), count: 3 }),
  alert({
    id: 'a-red-old',
    severity: 'red',
    openedAt: minutesAgo(90),
    patientId: 'p-per',
    patientName: 'Per Olsen',
    summary: 'Systolisk blodtrykk over terskel',
    rule: 'bp-high',
    readings: [{ type: 'bp-systolic', value: 182, unit: 'mm[Hg]', measuredAt: minutesAgo(90) }],
    thresholds: { 'bp-systolic': { max: 170 } },
  }),
  alert({
    id: 'a-acked',
    severity: 'yellow',
    openedAt: minutesAgo(600),
    status: 'acknowledged',
    acknowledgedBy: 'Sara Sykepleier',
    acknowledgedAt: minutesAgo(500),
    patientName: 'Astrid Larsen',
    patientId: 'p-astrid',
  }),
]

function renderInbox() {
  return renderInboxWith({})
}

function renderInboxWith(routes: Record<string, FakeHandler | { status: number; body?: unknown }>) {
  installFakeEventSource()
  const api = installFakeApi({
    'GET /api/session': { status: 200, body: session },
    'GET /api/alerts': { status: 200, body: { items: alerts } },
    'POST /api/alerts/a-red-old/acknowledge': {
      status: 200,
      body: {
        ...alerts[2],
        status: 'acknowledged',
        acknowledgedBy: 'Sara Sykepleier',
        acknowledgedAt: new Date(NOW).toISOString(),
      },
    },
    'POST /api/alerts/a-acked/resolve': { status: 200, body: { ...alerts[3], status: 'resolved' } },
    ...routes,
  })
  visit('/alerts')
  render(<App />)
  return api
}

const section = (name: RegExp) => screen.getByRole('region', { name })
const patientsIn = (region: HTMLElement) =>
  within(region)
    .queryAllByRole('heading', { level: 3 })
    .map((h) => h.textContent)

test('open alerts come red first, then by age, each with its explanation', async () => {
  const api = renderInbox()
  await screen.findByRole('region', { name: /Åpne/ })
  expect(api.calls('GET /api/alerts')[0]?.url.searchParams.getAll('status')).toEqual([
    'open',
    'acknowledged',
  ])
  expect(patientsIn(section(/Åpne/))).toEqual(['Per Olsen', 'Kari Nordmann', 'Ola Hansen'])
  expect(patientsIn(section(/Kvittert ut/))).toEqual(['Astrid Larsen'])

  const per = within(screen.getByTestId('alert-a-red-old'))
  expect(per.getByText('Rødt varsel')).toBeTruthy()
  expect(per.getByText('Systolisk blodtrykk over terskel')).toBeTruthy()
  expect(per.getByText('182 mmHg')).toBeTruthy()
  expect(per.getByText('Systolisk blodtrykk – Øvre grense')).toBeTruthy()
  expect(per.getByText('170 mmHg')).toBeTruthy()
  // the shared clock catches up with the test's clock on its first subscriber's mount (use-now.ts)
  expect(await per.findByText('for 1 time siden')).toBeTruthy()
  expect(within(screen.getByTestId('alert-a-red-new')).getByText(/Utløst 3 ganger/)).toBeTruthy()
  const ola = within(screen.getByTestId('alert-a-yellow-old'))
  expect(ola.getByText('Endring').nextElementSibling?.textContent).toBe('2,0\u00a0kg')
  expect(ola.getByText('Dager').nextElementSibling?.textContent).toBe('3')
})

test('Kvitter ut acknowledges the alert and moves it to follow-up, keeping focus on it', async () => {
  const api = renderInbox()
  await screen.findByRole('region', { name: /Åpne/ })
  const user = userEvent.setup()
  await user.click(
    within(screen.getByTestId('alert-a-red-old')).getByRole('button', { name: 'Kvitter ut' }),
  )

  expect(await screen.findByText('Varselet for Per Olsen er kvittert ut.')).toBeTruthy()
  expect(api.calls('POST /api/alerts/a-red-old/acknowledge')).toHaveLength(1)
  expect(patientsIn(section(/Åpne/))).toEqual(['Kari Nordmann', 'Ola Hansen'])
  expect(patientsIn(section(/Kvittert ut/))).toEqual(['Per Olsen', 'Astrid Larsen'])
  const moved = within(screen.getByTestId('alert-a-red-old'))
  expect(moved.queryByRole('button', { name: 'Kvitter ut' })).toBeNull()
  expect(moved.getByText(/Kvittert ut av Sara Sykepleier/)).toBeTruthy()
  expect(document.activeElement).toBe(moved.getByRole('button', { name: 'Avslutt' }))
})

test('Avslutt asks what was done, then resolves with outcome and note', async () => {
  const api = renderInbox()
  await screen.findByRole('region', { name: /Åpne/ })
  const user = userEvent.setup()
  const card = within(screen.getByTestId('alert-a-acked'))
  await user.click(card.getByRole('button', { name: 'Avslutt' }))
  await user.click(card.getByRole('button', { name: 'Avslutt varselet' }))
  expect(card.getByRole('alert').textContent).toBe('Velg hva som ble gjort før du avslutter.')
  expect(api.calls('POST /api/alerts/a-acked/resolve')).toHaveLength(0)

  await user.click(card.getByRole('radio', { name: 'Kontaktet fastlegen' }))
  await user.type(card.getByLabelText('Notat (valgfritt)'), 'Fastlege øker diuretika')
  await user.click(card.getByRole('button', { name: 'Avslutt varselet' }))

  expect(await screen.findByText('Varselet for Astrid Larsen er avsluttet.')).toBeTruthy()
  expect(api.calls('POST /api/alerts/a-acked/resolve')[0]?.body).toEqual({
    outcome: 'contacted-gp',
    note: 'Fastlege øker diuretika',
  })
  expect(screen.queryByTestId('alert-a-acked')).toBeNull()
  expect(screen.getByText('Ingen varsler under oppfølging.')).toBeTruthy()
})

test('alerts arrive and change live', async () => {
  renderInbox()
  await screen.findByRole('region', { name: /Åpne/ })
  const source = FakeEventSource.latest()
  act(() => source.open())
  act(() =>
    source.emit('alert', {
      alert: alert({
        id: 'a-live',
        severity: 'red',
        openedAt: minutesAgo(400),
        patientName: 'Berit Kristiansen',
        patientId: 'p-berit',
      }),
    }),
  )
  expect(patientsIn(section(/Åpne/))).toEqual([
    'Berit Kristiansen',
    'Per Olsen',
    'Kari Nordmann',
    'Ola Hansen',
  ])
  act(() => source.emit('alert', { alert: { ...alerts[1], status: 'resolved' } }))
  expect(patientsIn(section(/Åpne/))).toEqual(['Berit Kristiansen', 'Per Olsen', 'Ola Hansen'])
})

test('an older version of an alert never replaces a newer one, and a resolved alert stays gone', async () => {
  renderInbox()
  await screen.findByRole('region', { name: /Åpne/ })
  const source = FakeEventSource.latest()
  act(() => source.open())
  const perNow = {
    ...alerts[2]!,
    status: 'acknowledged' as const,
    acknowledgedBy: 'Lars Lege',
    revision: 3,
  }
  act(() => source.emit('alert', { alert: perNow }))
  // the event of the change before (revision 2) arrives late
  act(() => source.emit('alert', { alert: { ...alerts[2], summary: 'Gammel', revision: 2 } }))
  expect(patientsIn(section(/Kvittert ut/))).toEqual(['Per Olsen', 'Astrid Larsen'])
  expect(screen.queryByText('Gammel')).toBeNull()

  act(() => source.emit('alert', { alert: { ...perNow, status: 'resolved', revision: 4 } }))
  act(() => source.emit('alert', { alert: perNow }))
  expect(screen.queryByTestId('alert-a-red-old')).toBeNull()
})

test("explains a threshold alert from the rule's own limits, in the chosen language", async () => {
  installFakeEventSource()
  const spo2 = alert({
    id: 'a-spo2',
    severity: 'red',
    openedAt: minutesAgo(3),
    patientName: 'Per Olsen',
    patientId: 'p-per',
    rule: 'threshold:spo2',
    summary: 'Oksygenmetning 84 % (rød grense ≤ 91 %)',
    summaries: {
      nb: 'Oksygenmetning 84 % (rød grense ≤ 91 %)',
      en: 'Oxygen saturation 84% (red limit ≤ 91%)',
    },
    readings: [{ type: 'spo2', value: 84, unit: '%', measuredAt: minutesAgo(3) }],
    thresholds: {
      vitals: [
        {
          vital: 'spo2',
          red: { low: { value: 91, isInclusive: true } },
          yellow: { low: { value: 93, isInclusive: true } },
          hysteresis: 1,
        },
      ],
    },
    source: 'NEWS2 (RCP 2017), SpO2 skala 1',
    isConditionActive: false,
    escalatedAt: minutesAgo(1),
  })
  installFakeApi({
    'GET /api/session': { status: 200, body: session },
    'GET /api/alerts': { status: 200, body: { items: [spo2] } },
  })
  visit('/alerts')
  render(<App />)
  const card = within(await screen.findByTestId('alert-a-spo2'))
  expect(card.getByText('Oksygenmetning 84 % (rød grense ≤ 91 %)')).toBeTruthy()
  expect(card.getByText('Oksygenmetning – Rød grense').nextElementSibling?.textContent).toBe(
    '≤\u00a091\u00a0%',
  )
  expect(card.getByText('Oksygenmetning – Gul grense').nextElementSibling?.textContent).toBe(
    '≤\u00a093\u00a0%',
  )
  expect(card.queryByText(/hysteresis/i)).toBeNull()
  expect(card.getByText(/NEWS2 \(RCP 2017\)/)).toBeTruthy()
  expect(card.getByText(/Ikke lenger aktiv/)).toBeTruthy()
  expect(card.getByText(/Eskalert/)).toBeTruthy()

  await userEvent.setup().click(screen.getByRole('button', { name: 'English' }))
  expect(card.getByText('Oxygen saturation 84% (red limit ≤ 91%)')).toBeTruthy()
  expect(card.getByText('Oxygen saturation – Red limit').nextElementSibling?.textContent).toBe(
    '≤\u00a091%',
  )
  expect(card.getByRole('button', { name: 'Acknowledge' })).toBeTruthy()
})

test('when someone else got there first, says so and shows the alert as it is now', async () => {
  let listed = 0
  const api = renderInboxWith({
    'GET /api/alerts': () => {
      listed++
      const items =
        listed === 1
          ? alerts
          : alerts.map((a) =>
              a.id === 'a-red-old'
                ? { ...a, status: 'acknowledged', acknowledgedBy: 'Lars Lege', revision: 2 }
                : a,
            )
      return { status: 200, body: { items } }
    },
    'POST /api/alerts/a-red-old/acknowledge': {
      status: 409,
      body: {
        error: { code: 'already-acknowledged', message: 'Varselet er allerede kvittert ut.' },
      },
    },
  })
  await screen.findByRole('region', { name: /Åpne/ })
  await userEvent
    .setup()
    .click(
      within(screen.getByTestId('alert-a-red-old')).getByRole('button', { name: 'Kvitter ut' }),
    )
  expect(
    await screen.findByText('Varselet ble endret av noen andre. Visningen er oppdatert.'),
  ).toBeTruthy()
  await waitFor(() => expect(patientsIn(section(/Kvittert ut/))).toContain('Per Olsen'))
  expect(api.calls('GET /api/alerts')).toHaveLength(2)
  expect(
    within(screen.getByTestId('alert-a-red-old')).getByText(/Kvittert ut av Lars Lege/),
  ).toBeTruthy()
})

describe('mergeLoaded', () => {
  const open = alert({ id: 'a', severity: 'red', openedAt: minutesAgo(10), revision: 2 })
  test('keeps the newer version of each alert and the ones that arrived during the load', () => {
    const live = alert({ id: 'new', severity: 'yellow', openedAt: minutesAgo(1) })
    const resolved = { ...open, status: 'resolved' as const, revision: 3 }
    const gone = alert({ id: 'gone', severity: 'yellow', openedAt: minutesAgo(50) })
    const merged = mergeLoaded([resolved, live, gone], [open], new Set(['new']))
    expect(merged.map((a) => [a.id, a.status, a.revision])).toEqual([
      ['a', 'resolved', 3],
      ['new', 'open', 1],
    ])
  })
  test("takes the server's version when it is newer", () => {
    const newer = { ...open, status: 'acknowledged' as const, revision: 5 }
    expect(mergeLoaded([open], [newer], new Set())).toEqual([newer])
  })
})
