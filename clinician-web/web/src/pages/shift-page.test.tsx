import type { ShiftView } from '@varde/api-contract'
import { render, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { beforeAll, expect, test } from 'vitest'
import { App } from '../app'
import { session } from '../testing/fixtures'
import { installFakeApi, installFakeEventSource, visit } from '../testing/fake-api'
import { ShiftPage } from './lazy-pages'

// The app loads this page lazily (pages/lazy-pages.ts); its code's first load in jsdom may
// take longer than findBy's 1 s on a busy machine, which is not what these tests are about.
beforeAll(async () => {
  await ShiftPage.preload()
})

// The shift view (issue 20, docs/decisions/0034) against a scripted server:
// the handover note comes first, the nurse's own patients before the others',
// and choosing a nurse for a patient is one PUT, after which the view is read again.
const shiftWindow = (shift: 'day' | 'evening', startsAt: string, endsAt: string) => ({ shift, date: '2026-03-10', startsAt, endsAt })
const view = (over: Partial<ShiftView> = {}): ShiftView => ({
  now: '2026-03-10T15:30:00Z',
  current: shiftWindow('evening', '2026-03-10T14:00:00Z', '2026-03-10T22:00:00Z'),
  previous: shiftWindow('day', '2026-03-10T06:00:00Z', '2026-03-10T14:00:00Z'),
  since: '2026-03-10T06:00:00Z',
  mine: [{ patientId: 'p1', patientName: 'Kari Nordmann', shiftDate: '2026-03-10', shift: 'evening', nurse: { id: 'u1', displayName: 'Sara Sykepleier' }, assignedBy: { id: 'u1', displayName: 'Sara Sykepleier' }, assignedAt: '2026-03-10T14:05:00Z' }],
  others: [],
  unassigned: [{ id: 'p2', displayName: 'Ola Hansen' }],
  nurses: [{ id: 'u1', displayName: 'Sara Sykepleier' }, { id: 'u2', displayName: 'Vera Vikar' }],
  canAssign: true,
  handovers: [{ id: 'h1', patientId: 'p2', patientName: 'Ola Hansen', text: 'Hovne ankler i dag, vekt +1,2 kg.', writtenAt: '2026-03-10T13:50:00Z', author: { id: 'u2', displayName: 'Vera Vikar' } }],
  newEpisodes: [], worsenedEpisodes: [], resolvedEpisodes: [], missedMeasurements: [{ id: 'p2', displayName: 'Ola Hansen', at: '2026-03-10T10:00:00Z' }], newPatients: [],
  ...over,
})

test('the handover comes first, with author and time; a patient is put on a nurse with one PUT', async () => {
  installFakeEventSource()
  let current = view()
  const api = installFakeApi({
    'GET /api/session': { status: 200, body: session },
    'GET /api/shift': () => ({ status: 200, body: current }),
    'PUT /api/patients/p2/shift-assignment': (r) => {
      current = view({ others: [{ ...current.mine[0]!, patientId: 'p2', patientName: 'Ola Hansen', nurse: { id: 'u2', displayName: 'Vera Vikar' } }], unassigned: [] })
      return { status: 200, body: { assignment: { ...current.others[0]!, nurse: { id: (r.body as { userId: string }).userId, displayName: 'Vera Vikar' } } } }
    },
  })
  visit('/vakt')
  render(<App />)
  expect(await screen.findByRole('heading', { level: 1, name: 'Vakt' })).toBeTruthy()
  const sections = await screen.findAllByRole('region')
  expect(sections[0]!.getAttribute('data-testid')).toBe('shift-handovers')
  expect(sections[0]!.textContent).toContain('Hovne ankler i dag, vekt +1,2 kg.')
  expect(sections[0]!.textContent).toContain('Vera Vikar')
  expect(screen.getByTestId('shift-missed').textContent).toContain('Ola Hansen')

  await userEvent.selectOptions(screen.getByLabelText('Sykepleier for Ola Hansen'), 'u2')
  expect(api.calls('PUT /api/patients/p2/shift-assignment').map((r) => r.body)).toEqual([{ userId: 'u2' }])
  const assignments = screen.getByTestId('shift-assignments')
  expect(await within(assignments).findByText('Alle pasientene er fordelt.')).toBeTruthy()
})
