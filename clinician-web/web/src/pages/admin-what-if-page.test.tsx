import type { TenantWhatIf } from '@varde/api-contract'
import { QueryClientProvider } from '@tanstack/react-query'
import { render, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { MemoryRouter } from 'react-router'
import { expect, test } from 'vitest'
import { createQueryClient } from '../app'
import { I18nProvider } from '../i18n/i18n'
import { installFakeApi } from '../testing/fake-api'
import { AdminWhatIfPage } from './admin-what-if-page'

// The administrator's what-if page against a scripted server: what it sends
// (the condition, the profile's rule with the limits as drafted) and how it
// says the answer, including a replay cut short by the server's time bound.
const sums = (alerts: number, episodes: number) => ({ alerts, episodes, alertsPerDay: alerts / 30, episodesPerDay: episodes / 30 })
const answer = (isComplete: boolean): TenantWhatIf => ({
  from: '2026-02-08T12:00:00Z', to: '2026-03-10T12:00:00Z', days: 30, patients: 80, patientsReplayed: isComplete ? 80 : 31, patientsWithRule: isComplete ? 80 : 31,
  isComplete, readings: 120_000, elapsedMs: isComplete ? 2400 : 10_050, current: sums(60, 30), proposed: sums(90, 36), condition: 'copd', budgetMs: 10_000,
  perCondition: [{ condition: 'copd', patients: 31, current: sums(60, 30), proposed: sums(90, 36) }],
  mostAffected: [{ patientId: 'p-kari', displayName: 'Kari Nordmann', conditions: ['copd'], current: { alerts: 2, episodes: 2 }, proposed: { alerts: 9, episodes: 4 } }],
})

function renderPage() {
  render(
    <MemoryRouter>
      <QueryClientProvider client={createQueryClient()}>
        <I18nProvider initialLanguage="nb">
          <AdminWhatIfPage />
        </I18nProvider>
      </QueryClientProvider>
    </MemoryRouter>,
  )
}

test('sends the condition and its profile\'s rule as drafted, and shows a day\'s alerts and episodes, per condition, and who it moves most', async () => {
  const api = installFakeApi({ 'POST /api/admin/what-if': { status: 200, body: answer(true) } })
  renderPage()
  const user = userEvent.setup()
  const yellow = within(screen.getByRole('group', { name: 'Oksygenmetning: Gult varsel' })).getByLabelText('Nedre grense')
  expect((yellow as HTMLInputElement).value).toBe('87')
  await user.clear(yellow)
  await user.type(yellow, '89')
  await user.click(screen.getByRole('button', { name: 'Spill av 30 dager' }))
  expect(await screen.findByRole('heading', { name: 'KOLS: de siste 30 dagene' })).toBeDefined()
  expect(api.calls('POST /api/admin/what-if')[0]!.body).toEqual({
    ruleId: 'threshold:spo2', condition: 'copd',
    params: { vitals: [{ vital: 'spo2', red: { low: { value: 83, isInclusive: true } }, yellow: { low: { value: 89, isInclusive: true } }, hysteresis: 1 }] },
  })
  expect(within(screen.getAllByRole('row', { name: /Varsler per dag/ })[0]!).getAllByRole('cell').map((c) => c.textContent)).toEqual(['2,00', '3,00'])
  expect(screen.getByTestId('admin-what-if-most-affected').textContent).toBe('Kari Nordmann: 2 → 9 varsler, 2 → 4 episoder')
  expect(screen.queryByTestId('admin-what-if-incomplete')).toBeNull()
})

test('says in words when the server\'s time bound cut the replay short, and whom the figures cover', async () => {
  installFakeApi({ 'POST /api/admin/what-if': { status: 200, body: answer(false) } })
  renderPage()
  await userEvent.setup().click(screen.getByRole('button', { name: 'Spill av 30 dager' }))
  expect((await screen.findByTestId('admin-what-if-incomplete')).textContent).toBe(
    'Avspillingen stoppet etter 10 s: bare 31 av 80 pasienter er regnet med. Tallene gjelder bare dem.',
  )
})

test('a limit that is not a number is not sent; the server\'s refusal is said with its reason', async () => {
  const api = installFakeApi({ 'POST /api/admin/what-if': { status: 400, body: { error: { code: 'invalid-range', message: 'bad' } } } })
  renderPage()
  const user = userEvent.setup()
  const red = within(screen.getByRole('group', { name: 'Oksygenmetning: Rødt varsel' })).getByLabelText('Nedre grense')
  await user.type(red, 'x')
  await user.click(screen.getByRole('button', { name: 'Spill av 30 dager' }))
  expect((await screen.findByRole('alert')).textContent).toBe('Skriv gyldige grenser for å se hva de ville gjort.')
  expect(api.calls('POST /api/admin/what-if')).toEqual([])
  await user.clear(red)
  await user.type(red, '80')
  await user.click(screen.getByRole('button', { name: 'Spill av 30 dager' }))
  expect(await screen.findByText(/^Kunne ikke spille av: /)).toBeDefined()
})
