import type { CareTeam } from '@varde/api-contract'
import { QueryClientProvider } from '@tanstack/react-query'
import { render, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { MemoryRouter } from 'react-router'
import { expect, test } from 'vitest'
import { createQueryClient } from '../app'
import { I18nProvider } from '../i18n/i18n'
import { installFakeApi } from '../testing/fake-api'
import { CareTeamSection } from './care-team-section'

// The Behandlingsteam section (issue 18) against the API's answers: the
// objection said plainly, each relationship's metadata, deliveries with their
// status, what a manager may do and the GP may not, and "Del med fastlege"
// refused with the reason the server gives.
const gp = {
  id: 'm-gp', relation: 'gp', user: { id: 'u-gp', displayName: 'Frida Fastlege', role: 'gp', hprNumber: null },
  organisation: { name: 'Demo legekontor', number: '999000111', herId: '9990001' }, practitioner: { name: 'Frida Fastlege', hprNumber: '9144889' },
  metadata: { roleAuthorization: 'LE', legalEntity: { number: '999000111', name: 'Demo legekontor AS' }, pointOfCare: 'Demo legekontor', department: null, healthcareService: 'Fastlege', purposeOfUse: 'TREAT' },
  period: { start: '2026-03-01T08:00:00Z', end: null }, isActive: true,
  decision: { byUserId: 'u1', byName: 'Sara Sykepleier', at: '2026-03-01T08:00:00Z', reason: 'Pasientens fastlege' }, ended: null,
  recipient: { id: 'r-1', name: 'Demo legekontor' },
} as const
const team = (overrides: Partial<CareTeam> = {}): CareTeam => ({
  members: [gp as unknown as CareTeam['members'][number]],
  objections: [{
    id: 'o-1', scope: 'recipient', recipientId: 'r-1', userId: null, channel: 'phone', objectedOn: '2026-03-09', note: null,
    recordedByUserId: 'u1', recordedAt: '2026-03-09T10:00:00Z', withdrawn: null,
  }],
  recipients: [{ id: 'r-1', name: 'Demo legekontor', organisationNumber: '999000111', herId: '9990001', transport: 'fhir-rest', sends: { redAlerts: true, dailyReadings: false } }],
  deliveries: [
    { id: '7', recipient: { id: 'r-1', name: 'Demo legekontor' }, patient: { id: 'p-kari', displayName: 'Kari Nordmann' }, kind: 'alert', alertId: 'a-1', window: null,
      status: 'pending', attempts: 2, nextAttemptAt: '2026-03-10T12:05:00Z', lastError: 'recipient-refused: http-503', createdAt: '2026-03-10T11:59:00Z', settledAt: null,
      share: { byName: 'Sara Sykepleier', note: 'Se på dette' }, requeued: null },
    { id: '6', recipient: { id: 'r-1', name: 'Demo legekontor' }, patient: { id: 'p-kari', displayName: 'Kari Nordmann' }, kind: 'alert', alertId: 'a-0', window: null,
      status: 'dead', attempts: 30, nextAttemptAt: null, lastError: 'recipient-unreachable: ECONNREFUSED', createdAt: '2026-03-09T11:59:00Z', settledAt: '2026-03-09T15:00:00Z',
      share: null, requeued: null },
  ],
  canManage: true,
  candidates: [],
  ...overrides,
})

function renderSection(routes: Parameters<typeof installFakeApi>[0]) {
  const api = installFakeApi(routes)
  render(
    <QueryClientProvider client={createQueryClient()}>
      <I18nProvider initialLanguage="nb">
        <MemoryRouter>
          <CareTeamSection patientId="p-kari" />
        </MemoryRouter>
      </I18nProvider>
    </QueryClientProvider>,
  )
  return api
}

test('says the objection plainly, shows the relationship\'s metadata and each delivery\'s status', async () => {
  renderSection({
    'GET /api/patients/p-kari/care-team': { status: 200, body: team() },
    'GET /api/alerts': { status: 200, body: { items: [] } },
  })
  const section = await screen.findByRole('region', { name: 'Behandlingsteam' })
  const objection = within(section).getByRole('note')
  expect(objection.textContent).toContain('Pasienten har reservert seg mot deling med Demo legekontor.')
  expect(objection.textContent).toContain('telefon')
  const member = within(section).getByRole('article', { name: 'Frida Fastlege' })
  for (const text of ['Fastlege', 'Utenfor kommunen', 'Aktiv', 'LE', 'Demo legekontor AS, org.nr. 999000111', 'HPR 9144889', 'Behandling', 'Sara Sykepleier', 'Pasientens fastlege']) {
    expect(member.textContent).toContain(text)
  }
  expect(within(section).getByText('Får: røde varsler straks')).toBeTruthy()
  const deliveries = within(section).getByRole('region', { name: 'Videresendinger' })
  expect(within(deliveries).getByTestId('delivery-7').textContent).toMatch(/Prøver igjen \d\d:\d\d \(forsøk 2\)/)
  expect(within(deliveries).getByTestId('delivery-7').textContent).toContain('Merknad: Se på dette')
  expect(within(deliveries).getByTestId('delivery-6').textContent).toContain('Feilet – ikke levert')
  expect(within(section).getByRole('button', { name: 'Legg til i behandlingsteamet' })).toBeTruthy()
})

test('the GP reads the team and may change nothing: no add, end, objection or share', async () => {
  const api = renderSection({ 'GET /api/patients/p-kari/care-team': { status: 200, body: team({ canManage: false }) } })
  const section = await screen.findByRole('region', { name: 'Behandlingsteam' })
  expect(within(section).getByRole('article', { name: 'Frida Fastlege' })).toBeTruthy()
  expect(within(section).queryAllByRole('button')).toEqual([])
  // not even the alerts to share are asked for
  expect(api.requests.map((r) => r.path)).toEqual(['/api/patients/p-kari/care-team'])
})

test('"Del med fastlege" refused because the patient objects says so, and nothing is shown as shared', async () => {
  const user = userEvent.setup()
  const api = renderSection({
    'GET /api/patients/p-kari/care-team': { status: 200, body: team() },
    'GET /api/alerts': { status: 200, body: { items: [{ id: 'a-2', patientId: 'p-kari', patientName: 'Kari Nordmann', severity: 'red', status: 'open', rule: 'threshold:spo2', openedAt: '2026-03-10T11:00:00Z', summary: 'SpO2 86 %', count: 1, readings: [], thresholds: [], revision: 1 }] } },
    'POST /api/alerts/a-2/share': { status: 409, body: { error: { code: 'patient-objects', message: 'objects' } } },
  })
  await user.click(await screen.findByRole('button', { name: 'Del med fastlege' }))
  await user.click(screen.getByLabelText('Merknad til fastlegen (valgfritt)'))
  await user.paste('Ring henne')
  await user.click(screen.getByRole('button', { name: 'Del nå' }))
  expect((await screen.findByRole('alert')).textContent).toBe('Pasienten har reservert seg mot deling med denne mottakeren. Ingenting ble delt.')
  expect(api.requests.find((r) => r.method === 'POST')?.body).toEqual({ note: 'Ring henne' })
  expect(screen.queryByText(/Delt med/)).toBeNull()
})
