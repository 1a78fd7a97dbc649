import { act, render, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { beforeEach, expect, test, vi } from 'vitest'
import { App } from '../app'
import { sortByUrgency } from '../components/urgency'
import { kari, minutesAgo, NOW, patient, session } from '../testing/fixtures'
import { FakeEventSource, installFakeApi, installFakeEventSource } from '../testing/fake-api'

const patients = [
  patient({
    id: 'p-ola',
    displayName: 'Ola Hansen',
    openAlerts: { red: 0, yellow: 0 },
    conditions: ['heart-failure'],
  }),
  patient({ id: 'p-astrid', displayName: 'Astrid Larsen', openAlerts: { red: 0, yellow: 2 } }),
  patient({
    id: 'p-per',
    displayName: 'Per Olsen',
    openAlerts: { red: 1, yellow: 1 },
    gateway: { id: 'gw', state: 'offline', battery: 12, lastSeenAt: minutesAgo(180) },
  }),
  patient({
    id: 'p-arne',
    displayName: 'Arne Nilsen',
    openAlerts: { red: 0, yellow: 0 },
    gateway: null,
  }),
  kari,
  patient({ id: 'p-berit', displayName: 'Berit Kristiansen', openAlerts: { red: 2, yellow: 0 } }),
]

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(NOW)
})

function renderList() {
  installFakeEventSource()
  const api = installFakeApi({
    'GET /api/session': { status: 200, body: session },
    'GET /api/patients': { status: 200, body: { items: patients } },
  })
  render(<App />)
  return api
}

test('patients are sorted red, then yellow, then the rest, by name within each', async () => {
  renderList()
  await screen.findByRole('link', { name: 'Kari Nordmann' })
  const names = screen.getAllByRole('heading', { level: 2 }).map((h) => h.textContent)
  expect(names).toEqual([
    'Berit Kristiansen',
    'Per Olsen',
    'Astrid Larsen',
    'Kari Nordmann',
    'Arne Nilsen',
    'Ola Hansen',
  ])
})

test('the traffic light is spelled out, never colour alone', async () => {
  renderList()
  await screen.findByRole('link', { name: 'Kari Nordmann' })
  const card = (id: string) => screen.getByTestId(`patient-${id}`)
  expect(within(card('p-berit')).getByTestId('traffic-light').textContent).toBe(
    'Status: Rød2 åpne røde varsler',
  )
  expect(within(card('p-per')).getByTestId('traffic-light').textContent).toContain(
    '1 åpent rødt varsel, 1 åpent gult varsel',
  )
  expect(within(card('p-kari')).getByTestId('traffic-light').textContent).toBe(
    'Status: Gul1 åpent gult varsel',
  )
  expect(within(card('p-ola')).getByTestId('traffic-light').textContent).toBe(
    'Status: GrønnIngen åpne varsler',
  )
})

test('each row shows conditions, latest values with units, when measured, and the gateway', async () => {
  renderList()
  await screen.findByRole('link', { name: 'Kari Nordmann' })
  const karisCard = within(screen.getByTestId('patient-p-kari'))
  expect(karisCard.getByRole('list', { name: 'Diagnoser' }).textContent).toBe('KOLS')
  expect(karisCard.getByText('94 %')).toBeTruthy()
  expect(karisCard.getByText('78/min')).toBeTruthy()
  expect(karisCard.getByText('142/88 mmHg')).toBeTruthy()
  expect(karisCard.getByText('for 5 min siden')).toBeTruthy()
  expect(karisCard.getByText('Basestasjon tilkoblet')).toBeTruthy()
  expect(karisCard.getByText('Batteri 80 %')).toBeTruthy()

  const per = within(screen.getByTestId('patient-p-per'))
  expect(per.getByText('Basestasjon frakoblet')).toBeTruthy()
  expect(per.getByText('Lavt batteri: 12 %')).toBeTruthy()
  expect(per.getByText('for 3 timer siden')).toBeTruthy()
  expect(
    within(screen.getByTestId('patient-p-arne')).getByText('Ingen basestasjon registrert'),
  ).toBeTruthy()
  expect(screen.getByTestId('patient-p-ola').textContent).toContain('Hjertesvikt')
})

test('a live measurement updates that patient’s latest value without a reload', async () => {
  const api = renderList()
  await screen.findByRole('link', { name: 'Kari Nordmann' })
  const source = FakeEventSource.latest()
  expect(source.url).toBe('/api/events')
  act(() => source.open())
  act(() =>
    source.emit('measurement', {
      patientId: 'p-kari',
      readings: [
        {
          id: 'm9',
          type: 'spo2',
          value: 87,
          unit: '%',
          measuredAt: new Date(NOW).toISOString(),
          flags: [],
        },
      ],
    }),
  )
  const karisCard = within(screen.getByTestId('patient-p-kari'))
  expect(karisCard.getByText('87 %')).toBeTruthy()
  expect(karisCard.queryByText('94 %')).toBeNull()
  expect(karisCard.getByText('akkurat nå')).toBeTruthy()
  expect(api.calls('GET /api/patients')).toHaveLength(1)
})

test('a reconnect refetches the list so nothing missed while offline stays missing', async () => {
  const api = renderList()
  await screen.findByRole('link', { name: 'Kari Nordmann' })
  const source = FakeEventSource.latest()
  act(() => source.open())
  act(() => source.fail())
  act(() => source.open())
  await vi.waitFor(() => expect(api.calls('GET /api/patients')).toHaveLength(2))
})

test('search narrows the list by name', async () => {
  renderList()
  await screen.findByRole('link', { name: 'Kari Nordmann' })
  await userEvent.setup().type(screen.getByLabelText('Søk etter navn'), 'kari')
  expect(screen.getAllByRole('heading', { level: 2 }).map((h) => h.textContent)).toEqual([
    'Kari Nordmann',
  ])
})

test('sortByUrgency keeps names in Norwegian order (Å last)', () => {
  const sorted = sortByUrgency(
    [
      patient({ id: '1', displayName: 'Åse' }),
      patient({ id: '2', displayName: 'Øystein' }),
      patient({ id: '3', displayName: 'Anne' }),
    ],
    'nb-NO',
  )
  expect(sorted.map((p) => p.displayName)).toEqual(['Anne', 'Øystein', 'Åse'])
})
