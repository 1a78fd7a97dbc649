import { act, render, screen, waitFor, within } from '@testing-library/react'
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
    birthDate: '1952-11-04',
  }),
  patient({ id: 'p-astrid', displayName: 'Astrid Larsen', openAlerts: { red: 0, yellow: 2 } }),
  patient({
    id: 'p-per',
    displayName: 'Per Olsen',
    openAlerts: { red: 1, yellow: 1 },
    conditions: ['copd'],
    birthDate: '1939-03-12',
    gateway: { id: 'gw', state: 'offline', battery: 12, lastSeenAt: minutesAgo(180) },
  }),
  patient({
    id: 'p-arne',
    displayName: 'Arne Nilsen',
    openAlerts: { red: 0, yellow: 0 },
    conditions: ['copd'],
    gateway: null,
  }),
  { ...kari, birthDate: '1948-03-12' },
  patient({ id: 'p-berit', displayName: 'Berit Kristiansen', openAlerts: { red: 2, yellow: 0 } }),
]

beforeEach(() => {
  // the list's view lives in the URL: every test starts from the plain list
  window.history.replaceState(null, '', '/')
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

const shownNames = () => screen.getAllByRole('heading', { level: 2 }).map((h) => h.textContent)

test('search narrows the list by name', async () => {
  renderList()
  await screen.findByRole('link', { name: 'Kari Nordmann' })
  await userEvent.setup().type(screen.getByLabelText('Søk på navn eller fødselsdato'), 'kari')
  expect(shownNames()).toEqual(['Kari Nordmann'])
  expect(new URLSearchParams(window.location.search).get('q')).toBe('kari')
})

test('search by birth date as dd.mm.åååå, or a part of it', async () => {
  renderList()
  await screen.findByRole('link', { name: 'Kari Nordmann' })
  const user = userEvent.setup()
  const search = screen.getByLabelText('Søk på navn eller fødselsdato')
  await user.type(search, '12.03')
  expect(shownNames()).toEqual(['Per Olsen', 'Kari Nordmann'])
  await user.type(search, '.1948')
  expect(shownNames()).toEqual(['Kari Nordmann'])
  await user.clear(search)
  await user.type(search, '1952')
  expect(shownNames()).toEqual(['Ola Hansen'])
})

test('the nurse narrows to COPD, needs attention; the view is in the URL and counted', async () => {
  renderList()
  await screen.findByRole('link', { name: 'Kari Nordmann' })
  const user = userEvent.setup()
  expect(screen.getByText('Viser 6 av 6 pasienter')).toBeTruthy()
  await user.selectOptions(screen.getByLabelText('Diagnose'), 'KOLS')
  expect(shownNames()).toEqual(['Per Olsen', 'Kari Nordmann', 'Arne Nilsen'])
  await user.click(screen.getByRole('checkbox', { name: 'Trenger oppfølging' }))
  // Arne has COPD but nothing open; Berit and Astrid need attention but have no COPD
  expect(shownNames()).toEqual(['Per Olsen', 'Kari Nordmann'])
  expect(screen.getByText('Viser 2 av 6 pasienter')).toBeTruthy()
  expect(window.location.search).toBe('?condition=copd&attention=1')
})

test('a bookmarked view opens as it was saved, and back undoes the last change', async () => {
  window.history.replaceState(null, '', '/?condition=heart-failure&sort=age')
  renderList()
  await screen.findByRole('link', { name: 'Ola Hansen' })
  expect(shownNames()).toEqual(['Ola Hansen'])
  expect((screen.getByLabelText('Diagnose') as HTMLSelectElement).value).toBe('heart-failure')
  expect((screen.getByLabelText('Sorter etter') as HTMLSelectElement).value).toBe('age')

  await userEvent.setup().selectOptions(screen.getByLabelText('Diagnose'), 'Alle diagnoser')
  expect(shownNames()).toHaveLength(6)
  act(() => window.history.back())
  await waitFor(() => expect(shownNames()).toEqual(['Ola Hansen']))
  expect(window.location.search).toBe('?condition=heart-failure&sort=age')
})

test('sorting by age puts the oldest first, unknown ages last', async () => {
  window.history.replaceState(null, '', '/?sort=age')
  renderList()
  await screen.findByRole('link', { name: 'Kari Nordmann' })
  expect(shownNames().slice(0, 3)).toEqual(['Per Olsen', 'Kari Nordmann', 'Ola Hansen'])
})

test('an empty view says so and offers the way back to everyone', async () => {
  window.history.replaceState(null, '', '/?condition=diabetes&attention=1')
  renderList()
  const status = await screen.findByText('Ingen pasienter passer til utvalget.')
  expect(screen.getByText('Viser 0 av 6 pasienter')).toBeTruthy()
  await userEvent.setup().click(within(status).getByRole('link', { name: 'Vis alle pasienter' }))
  expect(shownNames()).toHaveLength(6)
  expect(window.location.search).toBe('')
})

test('"/" jumps to the search; the keys are shown beside it', async () => {
  renderList()
  await screen.findByRole('link', { name: 'Kari Nordmann' })
  const search = screen.getByLabelText('Søk på navn eller fødselsdato')
  expect(search.getAttribute('aria-describedby')).toBe('patient-keys')
  expect(document.getElementById('patient-keys')?.textContent).toContain('Tast / for å søke')
  const user = userEvent.setup()
  await user.keyboard('/')
  expect(document.activeElement).toBe(search)
  // typed into the search, "/" is a character, not a jump
  expect((search as HTMLInputElement).value).toBe('')
  await user.type(search, 'kari{Escape}')
  expect((search as HTMLInputElement).value).toBe('')
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
