import { act, render, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { beforeAll, beforeEach, expect, test, vi } from 'vitest'
import { App } from '../app'
import { daysAgo, kari, kariMeasurements, measurement, NOW, session } from '../testing/fixtures'
import { FakeEventSource, installFakeApi, installFakeEventSource, visit } from '../testing/fake-api'

// The app loads this page lazily (Recharts); on a busy machine its first load
// took over 3 s, past findBy's 1 s, which is not what these tests are about.
beforeAll(async () => {
  await import('./patient-page')
})

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(NOW)
})

function renderKari(items = kariMeasurements) {
  installFakeEventSource()
  const api = installFakeApi({
    'GET /api/session': { status: 200, body: session },
    'GET /api/patients/p-kari': { status: 200, body: kari },
    'GET /api/patients/p-kari/measurements': { status: 200, body: { items } },
  })
  visit('/patients/p-kari')
  render(<App />)
  return api
}

const tableRows = (section: HTMLElement) =>
  within(within(section).getByRole('table')).getAllByRole('row').slice(1)

test('the header names the patient with conditions, traffic light and gateway', async () => {
  renderKari()
  expect(await screen.findByRole('heading', { level: 1, name: 'Kari Nordmann' })).toBeTruthy()
  expect(screen.getByRole('list', { name: 'Diagnoser' }).textContent).toBe('KOLS')
  expect(screen.getByTestId('traffic-light').textContent).toContain('Gul')
  expect(screen.getByText('Basestasjon tilkoblet')).toBeTruthy()
  expect(document.title).toBe('Kari Nordmann – Varde')
})

test('one chart per vital type the patient has, blood pressure as one, each with its latest value and a table', async () => {
  const api = renderKari()
  await screen.findByRole('heading', { level: 1, name: 'Kari Nordmann' })
  const spo2 = await screen.findByTestId('chart-spo2')
  expect(screen.getByTestId('chart-pulse')).toBeTruthy()
  expect(screen.getByTestId('chart-bp')).toBeTruthy()
  expect(screen.queryByTestId('chart-body-weight')).toBeNull()
  expect(screen.getAllByRole('heading', { level: 3 }).map((h) => h.textContent)).toEqual([
    'Oksygenmetning',
    'Puls',
    'Blodtrykk',
  ])

  expect(screen.getByTestId('latest-spo2').textContent).toBe('94\u00a0%')
  expect(screen.getByTestId('latest-bp-systolic').textContent).toBe('142')
  expect(screen.getByTestId('latest-bp-diastolic').textContent).toBe('88')

  // the table, newest first, with the late reading explained in words
  const rows = tableRows(spo2)
  expect(rows.map((r) => within(r).getAllByRole('cell')[1]?.textContent)).toEqual([
    '94\u00a0%',
    '92\u00a0%',
    '96\u00a0%',
  ])
  expect(within(rows[1] as HTMLElement).getByText('Forsinket overført')).toBeTruthy()
  expect(within(spo2).getByRole('table').querySelector('caption')?.textContent).toBe(
    'Siste målinger: Oksygenmetning',
  )
  expect(
    within(tableRows(screen.getByTestId('chart-bp'))[0] as HTMLElement).getAllByRole('cell')[1]
      ?.textContent,
  ).toBe('142/88\u00a0mmHg')

  // the chart has a text alternative, and its legend explains the late marker
  const chart = within(spo2).getByRole('img')
  expect(chart.getAttribute('aria-label')).toMatch(
    /^Oksygenmetning, siste 7 dager: 3 målinger, fra 92\s% til 96\s%\. Siste måling: 94\s%, 10\. mars 2026, 12:55\./,
  )
  expect(chart.getAttribute('aria-label')).toContain('1 forsinket overført')
  expect(within(spo2).getByRole('list', { name: 'Tegnforklaring' }).textContent).toContain(
    'Forsinket overført: kom inn mer enn 24 timer',
  )
  expect(
    within(screen.getByTestId('chart-pulse')).getByRole('list', { name: 'Tegnforklaring' })
      .textContent,
  ).not.toContain('Forsinket')
  expect(spo2.querySelector('svg.recharts-surface')).not.toBeNull()

  const query = api.calls('GET /api/patients/p-kari/measurements')[0]?.url.searchParams
  expect(query?.get('from')).toBe(daysAgo(7))
  expect(query?.get('to')).toBe(new Date(NOW).toISOString())
})

test('a live reading for this patient is appended at once, without a reload', async () => {
  const api = renderKari()
  await screen.findByTestId('chart-spo2')
  const source = FakeEventSource.latest()
  act(() => source.open())
  act(() => {
    source.emit('measurement', {
      patientId: 'someone-else',
      readings: [measurement('x1', 'spo2', 70, '%', new Date(NOW).toISOString())],
    })
    source.emit('measurement', {
      patientId: 'p-kari',
      readings: [measurement('m7', 'spo2', 87, '%', new Date(NOW).toISOString())],
    })
  })

  expect(screen.getByTestId('latest-spo2').textContent).toBe('87\u00a0%')
  const rows = tableRows(screen.getByTestId('chart-spo2'))
  expect(rows).toHaveLength(4)
  expect(within(rows[0] as HTMLElement).getAllByRole('cell')[1]?.textContent).toBe('87\u00a0%')
  expect(screen.getByText('Ny måling: Oksygenmetning 87 %')).toBeTruthy()
  expect(api.calls('GET /api/patients/p-kari/measurements')).toHaveLength(1)

  // a type the patient never measured before gets its own chart
  act(() =>
    source.emit('measurement', {
      patientId: 'p-kari',
      readings: [measurement('m8', 'body-weight', 71.3, 'kg', new Date(NOW).toISOString())],
    }),
  )
  expect(screen.getByTestId('latest-body-weight').textContent).toBe('71,3\u00a0kg')
})

test('the same reading twice (a replay after reconnect) is shown once', async () => {
  renderKari()
  await screen.findByTestId('chart-spo2')
  const source = FakeEventSource.latest()
  const reading = measurement('m7', 'spo2', 87, '%', new Date(NOW).toISOString())
  act(() => {
    source.emit('measurement', { patientId: 'p-kari', readings: [reading] })
    source.emit('measurement', { patientId: 'p-kari', readings: [reading] })
  })
  expect(tableRows(screen.getByTestId('chart-spo2'))).toHaveLength(4)
})

test('choosing 30 days fetches that range', async () => {
  const api = renderKari()
  await screen.findByTestId('chart-spo2')
  await userEvent.setup().click(screen.getByRole('radio', { name: 'Siste 30 dager' }))
  await vi.waitFor(() => expect(api.calls('GET /api/patients/p-kari/measurements')).toHaveLength(2))
  expect(api.calls('GET /api/patients/p-kari/measurements')[1]?.url.searchParams.get('from')).toBe(
    daysAgo(30),
  )
  expect(screen.getByRole('radio', { name: 'Siste 30 dager' })).toHaveProperty('checked', true)
})

test('a patient the user may not see is reported as not found', async () => {
  installFakeEventSource()
  installFakeApi({
    'GET /api/session': { status: 200, body: session },
  })
  visit('/patients/p-unknown')
  render(<App />)
  expect(
    await screen.findByText('Fant ikke pasienten, eller du har ikke tilgang til pasienten.'),
  ).toBeTruthy()
})
