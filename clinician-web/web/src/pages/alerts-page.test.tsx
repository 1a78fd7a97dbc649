import { act, render, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { beforeEach, expect, test, vi } from 'vitest'
import type { Alert } from '../api/types'
import { App } from '../app'
import { alert, minutesAgo, NOW, session } from '../testing/fixtures'
import { FakeEventSource, installFakeApi, installFakeEventSource, visit } from '../testing/fake-api'

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
  expect(per.getByText('for 1 time siden')).toBeTruthy()
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
