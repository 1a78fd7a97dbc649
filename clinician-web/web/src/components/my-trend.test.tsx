import { QueryClientProvider } from '@tanstack/react-query'
import { render, screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { expect, test } from 'vitest'
import { createQueryClient } from '../app'
import { I18nProvider } from '../i18n/i18n'
import { installFakeApi } from '../testing/fake-api'
import { MyTrend } from './my-trend'

const trend = (values: number[]) => ({
  vital: 'pulse', resolution: 'raw', from: '2026-11-23T12:00:00Z', to: '2026-12-07T12:00:00Z',
  points: values.map((v, i) => ({ at: new Date(Date.parse('2026-11-24T08:00:00Z') + i * 86_400_000).toISOString(), n: 1, min: v, max: v, mean: v })),
})

function renderTrend(target: { low: number | null; high: number | null } | null) {
  return render(
    <QueryClientProvider client={createQueryClient()}>
      <I18nProvider>
        <MyTrend vital="pulse" unit="/min" target={target} />
      </I18nProvider>
    </QueryClientProvider>,
  )
}

test('says in one sentence how many readings, how many outside her target, the lowest and highest; 3 months asks again', async () => {
  const api = installFakeApi({
    // three months back has one more reading than two weeks
    'GET /api/me/trends': (request) => {
      const days = (Date.parse(request.url.searchParams.get('to')!) - Date.parse(request.url.searchParams.get('from')!)) / 86_400_000
      return { status: 200, body: trend(days > 14 ? [70, 80, 120, 75] : [70, 80, 120]) }
    },
  })
  renderTrend({ low: 50, high: 110 })
  expect(await screen.findByText('3 målinger de siste 14 dagene. 1 av dem var utenfor målet ditt. Lavest 70/min, høyest 120/min.')).toBeTruthy()
  expect(screen.getByRole('button', { name: '2 uker' }).getAttribute('aria-pressed')).toBe('true')
  await userEvent.setup().click(screen.getByRole('button', { name: '3 måneder' }))
  expect(await screen.findByText('4 målinger de siste 90 dagene. 1 av dem var utenfor målet ditt. Lavest 70/min, høyest 120/min.')).toBeTruthy()
  const asked = api.requests.filter((r) => r.path === '/api/me/trends').map((r) => r.url.searchParams.get('vital'))
  expect(asked).toEqual(['pulse', 'pulse'])
})

test('says nothing of a target she has none of, and that there were no readings when there were none', async () => {
  installFakeApi({ 'GET /api/me/trends': { status: 200, body: trend([]) } })
  renderTrend(null)
  expect(await screen.findByText('Ingen målinger de siste 14 dagene.')).toBeTruthy()
  expect(screen.queryByText(/utenfor målet/)).toBeNull()
})

test('asks for a range that ends after now: a reading of this very minute is in her trend', async () => {
  const api = installFakeApi({ 'GET /api/me/trends': { status: 200, body: trend([70]) } })
  const startedAt = Date.now()
  renderTrend({ low: 50, high: 110 })
  expect(await screen.findByText(/1 måling de siste 14 dagene\./)).toBeTruthy()
  const [asked] = api.requests.filter((r) => r.path === '/api/me/trends')
  expect(Date.parse(asked!.url.searchParams.get('to')!)).toBeGreaterThan(startedAt)
})
