import { resolvePatientRules, RULE_FAMILY, type Rule, type RuleOverride } from '@varde/domain'
import { QueryClientProvider } from '@tanstack/react-query'
import { render, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { expect, test, vi } from 'vitest'
import { App, createQueryClient } from '../app'
import type { PatientRule, PatientRules } from '../api/rules'
import { I18nProvider, type Language } from '../i18n/i18n'
import { kari, session } from '../testing/fixtures'
import {
  installFakeApi,
  installFakeEventSource,
  visit,
  type FakeRequest,
} from '../testing/fake-api'
import { PatientRulesSection } from './patient-rules'

// The rules as the server sends them: resolved by the real rules engine.
const lars = { id: 'u-lege', name: 'Lars Lege', hprNumber: '9144889' }
const spo2Override: RuleOverride = {
  ruleId: 'threshold:spo2',
  version: 2,
  params: {
    vitals: [
      {
        vital: 'spo2',
        red: { low: { value: 84, isInclusive: true } },
        yellow: { low: { value: 88, isInclusive: true } },
        hysteresis: 1,
      },
    ],
  },
  setBy: { id: lars.id, name: lars.name, hprNumber: lars.hprNumber },
  setAt: new Date('2026-03-09T08:15:00Z'),
  reason: 'Stabil på 89–90 % hjemme',
}
const batteryOff: RuleOverride = {
  ruleId: 'device:low-battery',
  version: 1,
  params: {},
  isEnabled: false,
  setBy: { id: 'u1', name: 'Sara Sykepleier' },
  setAt: new Date('2026-03-08T10:00:00Z'),
  reason: null,
}

function toJson(rule: Rule): PatientRule {
  const o = rule.origin
  return {
    id: rule.id,
    kind: rule.kind,
    family: RULE_FAMILY[rule.kind],
    version: rule.version,
    params: { ...rule.params },
    isEnabled: rule.isEnabled,
    source: rule.source,
    origin: o.kind,
    conditions: o.conditions,
    overrideVersion: o.kind === 'override' ? o.overrideVersion : null,
    setBy:
      o.kind === 'override'
        ? { id: o.setBy.id, name: o.setBy.name ?? null, hprNumber: o.setBy.hprNumber ?? null }
        : null,
    setAt: o.kind === 'override' ? o.setAt.toISOString() : null,
    reason: o.kind === 'override' ? o.reason : null,
  }
}

function rulesOf(overrides: RuleOverride[], canChange = true): PatientRules {
  const ruleSet = resolvePatientRules(['copd', 'heart-failure'], overrides)
  return {
    patientId: 'p-kari',
    timeZone: ruleSet.timeZone,
    conditions: ruleSet.conditions,
    canChange,
    rules: ruleSet.rules.map(toJson),
    history: [...overrides]
      .sort((a, b) => b.setAt.getTime() - a.setAt.getTime())
      .map((o) => ({
        ruleId: o.ruleId,
        version: o.version,
        kind: o.kind ?? null,
        params: o.params,
        isEnabled: o.isEnabled ?? null,
        setBy: { id: o.setBy.id, name: o.setBy.name ?? null, hprNumber: o.setBy.hprNumber ?? null },
        setAt: o.setAt.toISOString(),
        reason: o.reason ?? null,
      })),
  }
}

function renderRules(
  rules: PatientRules | (() => PatientRules),
  put?: (request: FakeRequest) => { status: number; body?: unknown },
  language: Language = 'nb',
) {
  const api = installFakeApi({
    'GET /api/patients/p-kari/rules': () => ({
      status: 200,
      body: typeof rules === 'function' ? rules() : rules,
    }),
    ...(put ? { 'PUT /api/patients/p-kari/rules/threshold%3Aspo2': put } : {}),
  })
  render(
    <QueryClientProvider client={createQueryClient()}>
      <I18nProvider initialLanguage={language}>
        <PatientRulesSection patientId="p-kari" />
      </I18nProvider>
    </QueryClientProvider>,
  )
  return api
}

const row = (key: string) => screen.getByTestId(`rule-${key}`)
const cells = (key: string) =>
  [within(row(key)).getByRole('rowheader'), ...within(row(key)).getAllByRole('cell')].map(
    (c) => c.textContent,
  )

test('shows each limit, the schedule, and who changed what, when and why', async () => {
  renderRules(rulesOf([spo2Override, batteryOff]))
  expect(
    await screen.findByRole('heading', { level: 2, name: 'Terskelverdier og regler' }),
  ).toBeTruthy()
  const limits = screen.getByRole('table', { name: 'Grenser for varsel' })
  expect(
    within(limits)
      .getAllByRole('columnheader')
      .map((h) => h.textContent),
  ).toEqual(['Måling eller regel', 'Rødt varsel', 'Gult varsel', 'Versjon', 'Sist endret', 'Endre'])
  // changed by the clinician: version, name with HPR number, time in Oslo, reason
  expect(cells('threshold:spo2/spo2').slice(0, 5)).toEqual([
    'Oksygenmetning',
    '≤ 84\u00a0%',
    '≤ 88\u00a0%',
    'Versjon 2',
    'Lars Lege (HPR 9144889), 9. mars 2026, 09:15Begrunnelse: Stabil på 89–90 % hjemme',
  ])
  // defaults, both sides of a band, and blood pressure's two vitals each on a row
  expect(cells('threshold:pulse/pulse').slice(0, 5)).toEqual([
    'Puls',
    '≤ 40/min eller ≥ 131/min',
    '≥ 111/min',
    'Standard',
    'Standard for alle pasienter',
  ])
  expect(cells('threshold:blood-pressure/bp-diastolic').slice(0, 3)).toEqual([
    'Diastolisk blodtrykk',
    'Ingen grense',
    '≥ 110\u00a0mmHg',
  ])
  expect(cells('trend:weight-gain').slice(0, 5)).toEqual([
    'Vektøkning',
    'Ingen grense',
    '≥ 2,0\u00a0kg på 3 dager',
    'Standard',
    'Standard for Hjertesvikt',
  ])
  expect(cells('news2').slice(1, 3)).toEqual(['Skår ≥ 7', 'Skår ≥ 5'])
  expect(cells('device:low-battery')[0]).toBe('Lavt batteri i måleutstyrSlått av')

  const schedule = screen.getByRole('table', { name: 'Måleplan' })
  expect(within(schedule).getAllByRole('row')[1]?.textContent).toContain(
    'VektAlle dager, mellom 00:00 og 10:00Gult',
  )

  const history = screen.getByText(/Endringslogg/)
  expect(history.textContent).toBe('Endringslogg (2 endringer)')
  const entries = within(history.closest('details') as HTMLElement).getAllByRole('listitem')
  expect(entries.map((e) => e.textContent)).toEqual([
    'Oksygenmetning, versjon 2 – Lars Lege (HPR 9144889), 9. mars 2026, 09:15Oksygenmetning: rødt ≤ 84\u00a0%, gult ≤ 88\u00a0%Begrunnelse: Stabil på 89–90 % hjemme',
    'Lavt batteri i måleutstyr, versjon 1 – Sara Sykepleier, 8. mars 2026, 11:00slått av',
  ])
})

test('a nurse changes a band with a reason: the whole rule is sent, and the list reloads', async () => {
  const user = userEvent.setup()
  let stored = [spo2Override]
  const api = renderRules(
    () => rulesOf(stored),
    (request) => {
      const body = request.body as { params: RuleOverride['params']; reason: string }
      const next: RuleOverride = {
        ...spo2Override,
        version: 3,
        params: body.params,
        reason: body.reason,
        setBy: { id: 'u1', name: 'Sara Sykepleier' },
        setAt: new Date('2026-03-10T11:00:00Z'),
      }
      stored = [...stored, next]
      return {
        status: 200,
        body: rulesOf(stored).rules.find((r) => r.id === 'threshold:spo2'),
      }
    },
  )
  const edit = await screen.findByRole('button', { name: 'Endre grensene for Oksygenmetning' })
  await user.click(edit)
  expect(edit.getAttribute('aria-expanded')).toBe('true')
  const form = screen.getByRole('heading', { level: 3, name: 'Endre grensene for Oksygenmetning' })
    .parentElement as HTMLElement
  const redLow = within(form).getByLabelText('Nedre grense (≤)', {
    selector: '[id$="red-low"]',
  }) as HTMLInputElement
  expect(document.activeElement).toBe(redLow)
  expect(redLow.value).toBe('84')
  const yellowLow = within(within(form).getByRole('group', { name: 'Gult varsel' })).getByLabelText(
    'Nedre grense (≤)',
  ) as HTMLInputElement
  await user.clear(yellowLow)
  await user.type(yellowLow, '89,5')

  // no reason: nothing is sent, and the field says why
  await user.click(within(form).getByRole('button', { name: 'Lagre endringen' }))
  const reason = within(form).getByLabelText('Begrunnelse')
  expect(reason.getAttribute('aria-invalid')).toBe('true')
  expect(within(form).getByText('Skriv hvorfor grensene endres.')).toBeTruthy()
  expect(api.calls('PUT /api/patients/p-kari/rules/threshold%3Aspo2')).toHaveLength(0)

  await user.type(reason, 'Bedre etter ny behandling')
  await user.click(within(form).getByRole('button', { name: 'Lagre endringen' }))
  await vi.waitFor(() =>
    expect(screen.getByRole('status').textContent).toBe(
      'Grensene for Oksygenmetning er endret (versjon 3).',
    ),
  )
  expect(api.calls('PUT /api/patients/p-kari/rules/threshold%3Aspo2')[0]?.body).toEqual({
    params: {
      vitals: [
        {
          vital: 'spo2',
          red: { low: { value: 84, isInclusive: true } },
          yellow: { low: { value: 89.5, isInclusive: true } },
          hysteresis: 1,
        },
      ],
    },
    reason: 'Bedre etter ny behandling',
  })
  await vi.waitFor(() => expect(cells('threshold:spo2/spo2')[3]).toBe('Versjon 3'))
  expect(api.calls('GET /api/patients/p-kari/rules')).toHaveLength(2)
  expect(screen.queryByRole('button', { name: 'Lagre endringen' })).toBeNull()
  expect(cells('threshold:spo2/spo2')[2]).toBe('≤ 89,5\u00a0%')
})

test("refuses limits that contradict each other or are not numbers, and shows the server's refusal", async () => {
  const user = userEvent.setup()
  const api = renderRules(rulesOf([]), () => ({
    status: 400,
    body: {
      error: {
        code: 'invalid-override',
        message: 'threshold:spo2 v1: vitals.0.hysteresis: too small',
      },
    },
  }))
  await user.click(await screen.findByRole('button', { name: 'Endre grensene for Oksygenmetning' }))
  const red = within(screen.getByRole('group', { name: 'Rødt varsel' }))
  const yellow = within(screen.getByRole('group', { name: 'Gult varsel' }))
  await user.clear(red.getByLabelText('Nedre grense (≤)'))
  await user.type(red.getByLabelText('Nedre grense (≤)'), '90')
  await user.type(yellow.getByLabelText('Øvre grense (≥)'), 'høy')
  await user.type(screen.getByLabelText('Begrunnelse'), 'Test')
  await user.click(screen.getByRole('button', { name: 'Lagre endringen' }))
  expect(red.getByText('Rød nedre grense kan ikke være høyere enn gul nedre grense.')).toBeTruthy()
  expect(yellow.getByText('Skriv et tall, eller la feltet stå tomt.')).toBeTruthy()
  expect(api.calls('PUT /api/patients/p-kari/rules/threshold%3Aspo2')).toHaveLength(0)

  await user.clear(red.getByLabelText('Nedre grense (≤)'))
  await user.type(red.getByLabelText('Nedre grense (≤)'), '80')
  await user.clear(yellow.getByLabelText('Øvre grense (≥)'))
  await user.click(screen.getByRole('button', { name: 'Lagre endringen' }))
  expect((await screen.findByRole('alert')).textContent).toBe(
    'Endringen ble ikke lagret: threshold:spo2 v1: vitals.0.hysteresis: too small',
  )

  // cancelling returns to the button that opened the form
  await user.click(screen.getByRole('button', { name: 'Avbryt' }))
  await vi.waitFor(() =>
    expect(document.activeElement?.getAttribute('aria-label')).toBe(
      'Endre grensene for Oksygenmetning',
    ),
  )
})

test('without the right to change (not a nurse or clinician) there is nothing to edit', async () => {
  renderRules(rulesOf([], false))
  await screen.findByRole('table', { name: 'Grenser for varsel' })
  expect(screen.queryByRole('button', { name: /Endre/ })).toBeNull()
  expect(screen.queryByRole('columnheader', { name: 'Endre' })).toBeNull()
})

test('in English', async () => {
  renderRules(rulesOf([spo2Override]), undefined, 'en')
  const limits = await screen.findByRole('table', { name: 'Alert limits' })
  expect(
    within(limits).getByRole('button', { name: 'Change the limits for Oxygen saturation' }),
  ).toBeTruthy()
  expect(cells('threshold:pulse/pulse')[1]).toBe('≤ 40/min or ≥ 131/min')
  expect(cells('threshold:spo2/spo2')[3]).toBe('Version 2')
})

test('the patient page shows the rules below the measurements', async () => {
  installFakeEventSource()
  installFakeApi({
    'GET /api/session': { status: 200, body: session },
    'GET /api/patients/p-kari': { status: 200, body: kari },
    'GET /api/patients/p-kari/trends': (request) => ({
      status: 200,
      body: { vital: request.url.searchParams.get('vital'), resolution: 'raw', from: '', to: '', points: [] },
    }),
    'GET /api/patients/p-kari/rules': { status: 200, body: rulesOf([spo2Override]) },
  })
  visit('/patients/p-kari')
  render(<App />)
  // after the header and the charts, which take a while to render in jsdom
  const section = await screen.findByTestId('patient-rules', {}, { timeout: 5000 })
  expect(within(section).getByRole('heading', { level: 2 }).textContent).toBe(
    'Terskelverdier og regler',
  )
  expect(await within(section).findByText('Versjon 2')).toBeTruthy()
})
