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

function renderList(extra: Parameters<typeof installFakeApi>[0] = {}) {
  installFakeEventSource()
  const api = installFakeApi({
    'GET /api/session': { status: 200, body: session },
    'GET /api/patients': { status: 200, body: { items: patients } },
    'GET /api/list-views': { status: 200, body: { items: [] } },
    ...extra,
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

test('a dense row: age, the worst open episode, each latest value with its colour in words too, the last contact', async () => {
  const per = patient({
    id: 'p-per',
    displayName: 'Per Olsen',
    birthDate: '1939-03-12',
    conditions: ['copd'],
    openAlerts: { red: 1, yellow: 0, unacknowledged: 0 },
    latest: {
      spo2: { value: 82, unit: '%', measuredAt: minutesAgo(30), severity: 'red' },
      pulse: { value: 104, unit: '/min', measuredAt: minutesAgo(30), severity: 'yellow' },
      'body-temperature': { value: 36.8, unit: 'Cel', measuredAt: minutesAgo(30), severity: null },
    },
    worstOpen: {
      severity: 'red',
      status: 'acknowledged',
      rule: 'threshold:spo2',
      summaries: {
        nb: 'Oksygenmetning 82 % (rød grense ≤ 83 %)',
        en: 'Oxygen saturation 82% (red limit ≤ 83%)',
      },
      since: minutesAgo(120),
    },
    lastContactAt: minutesAgo(60),
    adherence: { days7: { done: 6, planned: 7 }, days30: { done: 25, planned: 30 } },
  })
  const ola = patient({
    id: 'p-ola',
    displayName: 'Ola Hansen',
    worstOpen: null,
    lastContactAt: null,
  })
  renderList({ 'GET /api/patients': { status: 200, body: { items: [per, ola] } } })
  await screen.findByRole('link', { name: 'Per Olsen' })
  const row = within(screen.getByTestId('patient-p-per'))
  expect(row.getByText('86 år')).toBeTruthy()
  expect(row.getByTestId('worst-open').textContent).toBe(
    'Rødt varsel · kvittertOksygenmetning 82 % (rød grense ≤ 83 %)Siden for 2 timer siden',
  )
  const value = (label: string) => row.getByText(label).closest('[data-severity]')!
  expect(value('82 %').getAttribute('data-severity')).toBe('red')
  expect(value('82 %').textContent).toMatch(/82\s%\s\(rød\)$/)
  expect(value('104/min').textContent).toContain('(gul)')
  expect(value('36,8 °C').getAttribute('data-severity')).toBe('none')
  expect(row.getByText('Siste kontakt:').parentElement?.textContent).toBe(
    'Siste kontakt: for 1 time siden',
  )
  const olas = within(screen.getByTestId('patient-p-ola'))
  expect(olas.getByText('Ingen åpne varsler', { selector: '.worst-open' })).toBeTruthy()
  expect(olas.getByText('Siste kontakt:').parentElement?.textContent).toBe(
    'Siste kontakt: ingen ennå',
  )
})

test('keys on the list: j or ↓ from the search to the first patient, ↓ ↑ between them, End to the last, Enter opens', async () => {
  renderList()
  await screen.findByRole('link', { name: 'Kari Nordmann' })
  const user = userEvent.setup()
  const link = (name: string) => screen.getByRole('link', { name })
  await user.click(screen.getByLabelText('Søk på navn eller fødselsdato'))
  await user.keyboard('{ArrowDown}')
  expect(document.activeElement).toBe(link('Berit Kristiansen'))
  await user.keyboard('{ArrowDown}{ArrowDown}')
  expect(document.activeElement).toBe(link('Astrid Larsen'))
  await user.keyboard('k')
  expect(document.activeElement).toBe(link('Per Olsen'))
  await user.keyboard('{End}')
  expect(document.activeElement).toBe(link('Ola Hansen'))
  await user.keyboard('{ArrowDown}')
  expect(document.activeElement).toBe(link('Ola Hansen'))
  await user.keyboard('{Home}')
  expect(document.activeElement).toBe(link('Berit Kristiansen'))
  // "j" from the page (not typing) goes to the first patient
  ;(document.activeElement as HTMLElement).blur()
  await user.keyboard('{End}j')
  expect(document.activeElement).toBe(link('Berit Kristiansen'))
  await user.keyboard('j{Enter}')
  await waitFor(() => expect(window.location.pathname).toBe('/patients/p-per'))
})

test('a saved view opens with its filters and sort; the current one is saved by name and deleted', async () => {
  const views = [
    {
      id: 'v1',
      name: 'KOLS som trenger oppfølging',
      view: {
        condition: 'copd',
        attention: true,
        sort: 'name',
        state: null,
        reading: null,
        lowAdherence: false,
        noContact: false,
      },
      updatedAt: minutesAgo(10),
    },
  ]
  const api = renderList({
    'GET /api/list-views': () => ({ status: 200, body: { items: views } }),
    'POST /api/list-views': (request) => ({
      status: 200,
      body: { id: 'v2', updatedAt: minutesAgo(0), ...(request.body as object) },
    }),
    'DELETE /api/list-views/v1': { status: 204 },
  })
  await screen.findByRole('link', { name: 'Kari Nordmann' })
  const user = userEvent.setup()
  const open = screen.getByLabelText('Åpne visning')
  await waitFor(() => expect(within(open).getByText('KOLS som trenger oppfølging')).toBeTruthy())
  await user.selectOptions(open, 'KOLS som trenger oppfølging')
  expect(shownNames()).toEqual(['Kari Nordmann', 'Per Olsen'])
  expect(window.location.search).toBe('?condition=copd&attention=1&sort=name')
  expect((open as HTMLSelectElement).value).toBe('v1')

  // the search is not part of a view: it stays the view it was
  await user.type(screen.getByLabelText('Søk på navn eller fødselsdato'), 'kari')
  expect((open as HTMLSelectElement).value).toBe('v1')

  await user.selectOptions(screen.getByLabelText('Sorter etter'), 'Alder (eldst først)')
  expect((open as HTMLSelectElement).value).toBe('')
  await user.type(screen.getByLabelText('Navn på visningen'), 'Eldste med KOLS')
  await user.click(screen.getByRole('button', { name: 'Lagre visningen' }))
  await screen.findByText('Visningen «Eldste med KOLS» er lagret.')
  expect(api.calls('POST /api/list-views')[0]?.body).toEqual({
    name: 'Eldste med KOLS',
    view: { ...views[0]!.view, sort: 'age' },
  })

  await user.selectOptions(open, 'KOLS som trenger oppfølging')
  await user.click(screen.getByRole('button', { name: 'Slett «KOLS som trenger oppfølging»' }))
  await screen.findByText('Visningen «KOLS som trenger oppfølging» er slettet.')
  expect(api.calls('DELETE /api/list-views/v1')).toHaveLength(1)
})

test("a saved view the server refuses says why, in the reader's language", async () => {
  renderList({
    'POST /api/list-views': {
      status: 409,
      body: { error: { code: 'too-many-views', message: 'You have as many…' } },
    },
  })
  await screen.findByRole('link', { name: 'Kari Nordmann' })
  const user = userEvent.setup()
  await user.type(screen.getByLabelText('Navn på visningen'), 'En til')
  await user.click(screen.getByRole('button', { name: 'Lagre visningen' }))
  await screen.findByText('Du har så mange lagrede visninger som man kan ha. Slett en først.')
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
