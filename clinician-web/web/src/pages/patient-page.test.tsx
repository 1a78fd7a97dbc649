import type { Alert, Measurement, PatientRules, Trend } from '@varde/api-contract'
import { act, fireEvent, render, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { beforeAll, beforeEach, expect, test, vi } from 'vitest'
import { App } from '../app'
import {
  alert,
  daysAgo,
  kari,
  kariMeasurements,
  measurement,
  minutesAgo,
  NOW,
  session,
} from '../testing/fixtures'
import {
  FakeEventSource,
  installFakeApi,
  installFakeEventSource,
  visit,
  type FakeHandler,
  type FakeRequest,
} from '../testing/fake-api'
import { PatientPage } from './lazy-pages'

// The app loads this page lazily (Recharts); on a busy machine its first load
// took over 3 s, past findBy's 1 s, which is not what these tests are about.
beforeAll(async () => {
  await PatientPage.preload()
})

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(NOW)
})

/** The trend endpoint over a list of readings: each reading as a raw point, as the server answers a short range. */
function rawTrends(items: readonly Measurement[]): FakeHandler {
  return (request: FakeRequest) => {
    const q = request.url.searchParams
    const vital = q.get('vital') ?? ''
    const from = Date.parse(q.get('from') ?? '')
    const to = Date.parse(q.get('to') ?? '')
    const points = items
      .filter((m) => m.type === vital)
      .filter((m) => Date.parse(m.measuredAt) >= from && Date.parse(m.measuredAt) < to)
      .map((m) => ({
        at: m.measuredAt,
        n: 1,
        min: m.value,
        max: m.value,
        mean: m.value,
        ...(m.flags.length ? { flags: m.flags } : {}),
      }))
    const trend: Trend = { vital, resolution: 'raw', from: q.get('from') ?? '', to: q.get('to') ?? '', points }
    return { status: 200, body: trend }
  }
}

const spo2Bands: PatientRules = {
  patientId: 'p-kari',
  timeZone: 'Europe/Oslo',
  conditions: ['copd'],
  canChange: true,
  history: [],
  rules: [
    {
      id: 'threshold:spo2',
      kind: 'threshold',
      family: 'threshold',
      version: 'default:2026.1',
      params: {
        vitals: [
          {
            vital: 'spo2',
            red: { low: { value: 87, isInclusive: true } },
            yellow: { low: { value: 90, isInclusive: true } },
            hysteresis: 1,
          },
        ],
      },
      isEnabled: true,
      source: 'NEWS2 (KOLS-skala)',
      origin: 'default',
      conditions: ['copd'],
      overrideVersion: null,
      setBy: null,
      setAt: null,
      reason: null,
    },
  ],
}

function renderKari(
  items = kariMeasurements,
  extra: Record<string, FakeHandler | { status: number; body?: unknown }> = {},
) {
  installFakeEventSource()
  const api = installFakeApi({
    'GET /api/session': { status: 200, body: session },
    'GET /api/patients/p-kari': { status: 200, body: kari },
    'GET /api/patients/p-kari/trends': rawTrends(items),
    'GET /api/patients/p-kari/rules': { status: 200, body: spo2Bands },
    'GET /api/alerts': { status: 200, body: { items: [] } },
    ...extra,
  })
  visit('/patients/p-kari')
  render(<App />)
  return api
}

// the fake clock moves on a little while the user clicks
const fromOf = (request: FakeRequest | undefined) => Date.parse(request?.url.searchParams.get('from') ?? '')

const trendCalls = (api: ReturnType<typeof installFakeApi>, vital: string) =>
  api.calls('GET /api/patients/p-kari/trends').filter((r) => r.url.searchParams.get('vital') === vital)

const tableRows = (section: HTMLElement) =>
  within(within(section).getByRole('table')).getAllByRole('row').slice(1)

test('the header names the patient with conditions, traffic light and gateway', async () => {
  renderKari()
  // the file's first whole-app render pays for compiling the app in jsdom (2-3 s on a busy machine)
  expect(
    await screen.findByRole('heading', { level: 1, name: 'Kari Nordmann' }, { timeout: 5000 }),
  ).toBeTruthy()
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
  const measurements = screen.getByRole('region', { name: 'Målinger' })
  expect(within(measurements).getAllByRole('heading', { level: 3 }).map((h) => h.textContent)).toEqual([
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

  // one trend per vital, all over the same window
  for (const vital of ['spo2', 'pulse', 'bp-systolic', 'bp-diastolic']) {
    const query = trendCalls(api, vital)[0]?.url.searchParams
    expect(query?.get('from')).toBe(daysAgo(7))
    expect(query?.get('to')).toBe(new Date(NOW).toISOString())
  }
  expect(api.calls('GET /api/patients/p-kari/measurements')).toHaveLength(0)
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
  expect(trendCalls(api, 'spo2')).toHaveLength(1)

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

test('choosing 30 days, then 1 year, fetches those ranges for every vital', async () => {
  const api = renderKari()
  await screen.findByTestId('chart-spo2')
  const user = userEvent.setup()
  await user.click(screen.getByRole('radio', { name: '30 dager' }))
  await vi.waitFor(() => expect(trendCalls(api, 'spo2')).toHaveLength(2))
  expect(fromOf(trendCalls(api, 'spo2')[1])).toBeCloseTo(Date.parse(daysAgo(30)), -3)
  expect(screen.getByRole('radio', { name: '30 dager' })).toHaveProperty('checked', true)

  await user.click(screen.getByRole('radio', { name: '1 år' }))
  await vi.waitFor(() => expect(trendCalls(api, 'pulse')).toHaveLength(3))
  expect(fromOf(trendCalls(api, 'pulse')[2])).toBeCloseTo(Date.parse(daysAgo(365)), -3)
  await vi.waitFor(() =>
    expect(within(screen.getByTestId('chart-spo2')).getByRole('img').getAttribute('aria-label')).toMatch(
      /^Oksygenmetning, siste år:/,
    ),
  )
})

test('an aggregated trend is drawn as means with a min–max envelope, and its table gives each period', async () => {
  const year: Trend = {
    vital: 'spo2',
    resolution: 86400,
    from: daysAgo(365),
    to: new Date(NOW).toISOString(),
    points: [
      { at: daysAgo(2), n: 1440, min: 86, max: 97, mean: 93.4 },
      { at: daysAgo(1), n: 1430, min: 89, max: 98, mean: 94.2 },
    ],
    bins: [{ value: 86, n: 10 }, { value: 87, n: 5 }, { value: 89, n: 20 }, { value: 93, n: 2835 }],
  }
  renderKari(kariMeasurements, {
    'GET /api/patients/p-kari/trends': (request) =>
      request.url.searchParams.get('vital') === 'spo2'
        ? { status: 200, body: year }
        : rawTrends(kariMeasurements)(request),
  })
  const spo2 = await screen.findByTestId('chart-spo2')
  expect(spo2.dataset.resolution).toBe('86400')
  const summary = within(spo2).getByRole('img').getAttribute('aria-label') ?? ''
  expect(summary).toMatch(/2\s870 målinger, fra 86\s% til 98\s%\./)
  expect(summary).toContain('Vist som gjennomsnitt per døgn med laveste og høyeste verdi')
  expect(spo2.querySelector('.vital-chart__envelope')).not.toBeNull()

  const table = within(spo2).getByRole('table', { name: 'Målinger per døgn: Oksygenmetning' })
  expect(within(table).getAllByRole('columnheader').map((h) => h.textContent)).toEqual([
    'Periode fra',
    'Gjennomsnitt',
    'Laveste–høyeste',
    'Antall',
  ])
  const first = within(table).getAllByRole('row')[1] as HTMLElement
  expect(within(first).getAllByRole('cell').map((c) => c.textContent)).toEqual([
    expect.any(String),
    '94\u00a0%',
    '89–98\u00a0%',
    expect.stringMatching(/^1\s430$/),
  ])
  // the legend explains the envelope; late marks are for raw readings only
  const legend = within(spo2).getByRole('list', { name: 'Tegnforklaring' })
  expect(legend.textContent).toContain('Laveste til høyeste i perioden')
  expect(legend.textContent).not.toContain('Forsinket')
  // the year's readings counted into Kari's bands (red ≤ 87 %, yellow ≤ 90 %) from the trend's bins (decision 46)
  await vi.waitFor(() =>
    expect(within(spo2).getByTestId('band-counts-spo2').textContent).toMatch(
      /^Målinger i perioden: 2\s835 normale, 20 gule lave, 0 gule høye, 15 røde lave, 0 røde høye$/,
    ),
  )
})

test("the patient's threshold bands are drawn behind the chart and named with their limits", async () => {
  renderKari()
  const spo2 = await screen.findByTestId('chart-spo2')
  await vi.waitFor(() => expect(spo2.querySelector('.vital-chart__band--red')).not.toBeNull())
  expect(spo2.querySelector('.vital-chart__band--yellow')).not.toBeNull()
  expect(within(spo2).getByTestId('band-legend-red').textContent).toBe('Rødt område: ≤ 87\u00a0%')
  expect(within(spo2).getByTestId('band-legend-yellow').textContent).toBe('Gult område: ≤ 90\u00a0%')
  // pulse has no threshold rule here: no bands
  expect(screen.getByTestId('chart-pulse').querySelector('.vital-chart__band--red')).toBeNull()
})

test('an alert is a marker on its vital; choosing it opens the alert, closing returns to the marker', async () => {
  const red: Alert = alert({ id: 'a1', severity: 'red', openedAt: daysAgo(2), summary: 'SpO2 88 % under rød grense' })
  const old: Alert = alert({ id: 'a0', severity: 'yellow', openedAt: daysAgo(30) })
  const api = renderKari(kariMeasurements, {
    'GET /api/alerts': { status: 200, body: { items: [red, old] } },
  })
  const spo2 = await screen.findByTestId('chart-spo2')
  const marker = await within(spo2).findByRole('button', { name: /^Rødt varsel, / })
  // the one from 30 days ago is outside the 7 days shown; pulse has none
  expect(within(spo2).getAllByTestId('alert-marker')).toHaveLength(1)
  expect(within(screen.getByTestId('chart-pulse')).queryAllByTestId('alert-marker')).toHaveLength(0)
  const query = api.calls('GET /api/alerts')[0]?.url.searchParams
  expect(query?.get('patientId')).toBe('p-kari')
  expect(query?.getAll('status')).toEqual(['open', 'acknowledged', 'resolved'])

  const user = userEvent.setup()
  await user.click(marker)
  const panel = within(spo2).getByRole('region', { name: 'Varsler fra dette tidspunktet (1)' })
  expect(within(panel).getByTestId('marker-alert').textContent).toContain('SpO2 88 % under rød grense')
  expect(within(panel).getByRole('link', { name: 'Gå til varsellisten' }).getAttribute('href')).toBe('/alerts')
  expect(document.activeElement?.textContent).toBe('Varsler fra dette tidspunktet (1)')
  await user.click(within(panel).getByRole('button', { name: 'Lukk' }))
  expect(within(spo2).queryByRole('region')).toBeNull()
  expect(document.activeElement).toBe(marker)
})

test('late and clock-adjusted readings are marked at raw resolution, each explained', async () => {
  renderKari([
    ...kariMeasurements,
    measurement('m9', 'spo2', 95, '%', minutesAgo(120), ['clock-adjusted']),
  ])
  const spo2 = await screen.findByTestId('chart-spo2')
  await vi.waitFor(() => expect(spo2.querySelector('.vital-chart__late')).not.toBeNull())
  expect(spo2.querySelectorAll('.vital-chart__late')).toHaveLength(1)
  expect(spo2.querySelectorAll('.vital-chart__clock-adjusted')).toHaveLength(1)
  expect(within(spo2).getByRole('list', { name: 'Tegnforklaring' }).textContent).toContain(
    'Tidspunkt justert: klokken i måleutstyret gikk feil',
  )
})

test('a drag across the chart zooms to that period and fetches it; "back" returns', async () => {
  const api = renderKari()
  const spo2 = await screen.findByTestId('chart-spo2')
  const plot = spo2.querySelector('.vital-chart') as HTMLElement
  // jsdom lays nothing out: the chart is its fallback 640 px wide at x = 0, the plot from 64 to 612 px
  fireEvent.pointerDown(plot, { clientX: 64 + 274, button: 0, pointerId: 1 })
  fireEvent.pointerMove(plot, { clientX: 612, pointerId: 1 })
  fireEvent.pointerUp(plot, { clientX: 612, pointerId: 1 })
  await vi.waitFor(() => expect(trendCalls(api, 'spo2')).toHaveLength(2))
  const zoomed = trendCalls(api, 'spo2')[1]?.url.searchParams
  // the right half of 7 days: 3.5 days back to now
  expect(Date.parse(zoomed?.get('from') ?? '')).toBeCloseTo(NOW - 3.5 * 86_400_000, -5)
  expect(Date.parse(zoomed?.get('to') ?? '')).toBeCloseTo(NOW, -5)
  expect(screen.getByRole('radio', { name: 'Egendefinert' })).toHaveProperty('checked', true)

  await userEvent.setup().click(screen.getByRole('button', { name: 'Tilbake fra zoom' }))
  expect(screen.getByRole('radio', { name: '7 dager' })).toHaveProperty('checked', true)
})

test('the table view shows every reading in tables and no chart', async () => {
  renderKari()
  const spo2 = await screen.findByTestId('chart-spo2')
  const toggle = screen.getByRole('button', { name: 'Tabellvisning' })
  await userEvent.setup().click(toggle)
  expect(toggle.getAttribute('aria-pressed')).toBe('true')
  expect(within(spo2).queryByRole('img')).toBeNull()
  expect(tableRows(spo2)).toHaveLength(3)
  expect(within(spo2).queryByRole('button', { name: /Vis alle/ })).toBeNull()
})

test('a custom range asks for those whole Oslo days', async () => {
  const api = renderKari()
  await screen.findByTestId('chart-spo2')
  const user = userEvent.setup()
  await user.click(screen.getByRole('radio', { name: 'Egendefinert' }))
  fireEvent.change(screen.getByLabelText('Fra dato'), { target: { value: '2026-03-01' } })
  fireEvent.change(screen.getByLabelText('Til dato'), { target: { value: '2026-03-02' } })
  await user.click(screen.getByRole('button', { name: 'Vis' }))
  await vi.waitFor(() => expect(trendCalls(api, 'spo2')).toHaveLength(2))
  const q = trendCalls(api, 'spo2')[1]?.url.searchParams
  expect(q?.get('from')).toBe('2026-02-28T23:00:00.000Z')
  expect(q?.get('to')).toBe('2026-03-02T23:00:00.000Z')
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
