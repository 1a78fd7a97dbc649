import AxeBuilder from '@axe-core/playwright'
import { expect, request as playwrightRequest, test, type APIRequestContext, type Page } from '@playwright/test'
import mqtt from 'mqtt'

// Issue 25, acceptance: the demo patient `pasient` (Kari Nordmann,
// demo-gw-001, COPD) logs in on a phone and on a laptop, sees yesterday's
// readings and who has seen her data, objects to sharing with her GP (Frida
// Fastlege of Demo legekontor), and the next forwarding to the GP does not
// happen: her new red alert is not queued for the practice, and "Del med
// fastlege" is refused; withdrawing the objection lets it through again.
const mqttUrl = process.env.E2E_MQTT_URL ?? 'mqtt://127.0.0.1:18483'
const baseURL = `http://127.0.0.1:${process.env.E2E_HTTP_PORT ?? 18480}`
const GATEWAY_ID = 'demo-gw-001'
const VIEWPORTS = [{ width: 390, height: 844 }, { width: 1366, height: 900 }] as const

async function publish(measurements: Record<string, unknown>[]): Promise<void> {
  const client = await mqtt.connectAsync(mqttUrl, {
    clientId: GATEWAY_ID, username: GATEWAY_ID, password: `${GATEWAY_ID}-secret`, clean: false, protocolVersion: 4, reconnectPeriod: 0,
  })
  try {
    await client.subscribeAsync(`varde/v1/gateways/${GATEWAY_ID}/receipts`, { qos: 1 })
    const batchId = `e2e-patient-page-${Date.now()}`
    const receipt = new Promise((resolve) => {
      client.on('message', (_topic, payload) => {
        if ((JSON.parse(payload.toString()) as { batchId: string }).batchId === batchId) resolve(undefined)
      })
    })
    await client.publishAsync(`varde/v1/gateways/${GATEWAY_ID}/measurements`, JSON.stringify({ batchId, sentAt: new Date().toISOString(), measurements }), { qos: 1 })
    await receipt
  } finally {
    await client.endAsync()
  }
}

async function apiAs(username: string): Promise<APIRequestContext> {
  const context = await playwrightRequest.newContext({ baseURL })
  expect((await context.post('/api/session', { data: { username, password: 'demo' } })).status()).toBe(204)
  return context
}

let nurse: APIRequestContext
let admin: APIRequestContext
let kariId = ''

test.beforeAll(async () => {
  nurse = await apiAs('sykepleier')
  admin = await apiAs('admin')
  const { items } = (await (await nurse.get('/api/patients')).json()) as { items: { id: string; displayName: string }[] }
  kariId = items.find((p) => p.displayName === 'Kari Nordmann')!.id
  // the GP on her team, forwarding to the practice (another suite may have ended the seed's relationship)
  const team = (await (await nurse.get(`/api/patients/${kariId}/care-team`)).json()) as {
    members: { isActive: boolean; user: { displayName: string } | null }[]; candidates: { id: string; displayName: string }[]; recipients: { id: string; name: string }[]
  }
  if (!team.members.some((m) => m.isActive && m.user?.displayName === 'Frida Fastlege')) {
    const gp = team.candidates.find((c) => c.displayName === 'Frida Fastlege')!
    const practice = team.recipients.find((r) => r.name === 'Demo legekontor')!
    expect((await nurse.post(`/api/patients/${kariId}/care-team`, { data: { relation: 'gp', userId: gp.id, recipientId: practice.id, reason: 'e2e: fastlege' } })).status()).toBe(201)
  }
  // yesterday morning's readings
  const yesterday = new Date(Date.now() - 86_400_000)
  yesterday.setUTCHours(8, 0, 0, 0)
  await publish([
    { id: 'y1', deviceId: 'AA:BB:CC:00:01:01', type: 'spo2', value: 94, unit: '%', measuredAt: yesterday.toISOString(), battery: 80 },
    { id: 'y2', deviceId: 'AA:BB:CC:00:01:01', type: 'pulse', value: 78, unit: '/min', measuredAt: yesterday.toISOString(), battery: 80 },
  ])
})
test.afterAll(async () => {
  await nurse?.dispose()
  await admin?.dispose()
})

async function logIn(page: Page): Promise<void> {
  await page.goto('/')
  await page.getByLabel('Brukernavn').fill('pasient')
  await page.getByLabel('Passord').fill('demo')
  await page.getByRole('button', { name: 'Logg inn' }).click()
  await expect(page).toHaveURL(/\/min-side$/)
  await expect(page.getByRole('heading', { level: 1, name: 'Hei, Kari Nordmann' })).toBeVisible()
}

async function checkPage(page: Page, name: string): Promise<void> {
  await expect(page.locator('[aria-busy="true"]')).toHaveCount(0)
  const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze()
  expect(axe.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([])
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth)).toBe(true)
  await page.screenshot({ path: `test-results/${name}.png`, fullPage: true })
}

/** A new red reading (SpO2 80 %): the alert it raises, once the rules have judged it. */
async function newRedAlert(): Promise<string> {
  const { items: before } = (await (await nurse.get(`/api/alerts?patientId=${kariId}`)).json()) as { items: { id: string }[] }
  for (const a of before) {
    await nurse.post(`/api/alerts/${a.id}/resolve`, { data: { outcome: 'no-action-needed' } })
  }
  await publish([{ id: `r${Date.now()}`, deviceId: 'AA:BB:CC:00:01:01', type: 'spo2', value: 80, unit: '%', measuredAt: new Date().toISOString() }])
  let alertId = ''
  await expect.poll(async () => {
    const { items } = (await (await nurse.get(`/api/alerts?patientId=${kariId}`)).json()) as { items: { id: string; severity: string; status: string }[] }
    alertId = items.find((a) => a.severity === 'red' && a.status !== 'resolved')?.id ?? ''
    return alertId
  }).not.toBe('')
  return alertId
}
const gpDeliveriesOf = async (alertId: string) => {
  const { items } = (await (await admin.get('/api/admin/deliveries')).json()) as { items: { alertId: string | null; recipient: { name: string }; status: string }[] }
  return items.filter((d) => d.alertId === alertId && d.recipient.name === 'Demo legekontor' && d.status !== 'cancelled')
}

for (const viewport of VIEWPORTS) {
  test(`the patient sees her readings and access report and objects to sharing with her GP (${viewport.width} px)`, async ({ page }) => {
    await page.setViewportSize(viewport)
    await logIn(page)
    // yesterday's readings, received (her pulse is still the newest of its kind; a red SpO2 of the other run may have come since)
    const latest = page.getByRole('region', { name: 'Mine siste målinger' })
    await expect(latest.getByRole('listitem').filter({ hasText: 'Puls' }).getByText(/^78\b/)).toBeVisible()
    await expect(latest.getByText(/Mottatt:/).first()).toBeVisible()
    await checkPage(page, `my-page-${viewport.width}`)

    // who has seen my data: the nurse's reads above are there
    await page.getByRole('link', { name: 'Se hvem som har sett dataene mine' }).click()
    await expect(page.getByRole('heading', { level: 1, name: 'Hvem har sett mine data' })).toBeVisible()
    await expect(page.getByText('Sara Sykepleier').first()).toBeVisible()
    await checkPage(page, `my-access-log-${viewport.width}`)

    // the objection: at once, the GP gets nothing new
    await page.getByRole('link', { name: 'Min side', exact: true }).click()
    const sharing = page.getByRole('region', { name: 'Deling av dataene mine' })
    await sharing.getByRole('button', { name: 'Ikke del med Frida Fastlege' }).click()
    await expect(sharing.getByText('Frida Fastlege får ikke målingene dine.')).toBeVisible()
    const alertId = await newRedAlert()
    expect(await gpDeliveriesOf(alertId)).toEqual([])
    const shared = await nurse.post(`/api/alerts/${alertId}/share`, { data: { note: 'e2e' } })
    expect(shared.status()).toBe(409)
    expect(((await shared.json()) as { error: { code: string } }).error.code).toBe('patient-objects')

    // withdrawn: sharing with the GP goes through again
    await sharing.getByRole('button', { name: 'Del igjen' }).click()
    await expect(sharing.getByText('Frida Fastlege får målingene dine.')).toBeVisible()
    expect((await nurse.post(`/api/alerts/${alertId}/share`, { data: { note: 'e2e' } })).status()).toBe(202)
  })
}

// Issue 25's rest: the patient logs in with ID-porten (the demo stand-in, as
// BankID: level high), lands on her page, sees her trend with her own target
// range as the care team set it, and logs out here and at ID-porten.
for (const viewport of VIEWPORTS) {
  test(`the patient logs in with ID-porten, sees her trend with her target range, and logs out of both (${viewport.width} px)`, async ({ page }) => {
    await page.setViewportSize(viewport)
    await page.goto('/login')
    await expect(page.getByText('Er du pasient? Logg inn med BankID gjennom ID-porten.')).toBeVisible()
    await page.getByRole('link', { name: 'Logg inn med ID-porten (demo)' }).click()
    await expect(page.getByRole('heading', { name: 'ID-porten (demo)' })).toBeVisible()
    await page.getByLabel('Testperson').fill('kari')
    await page.getByRole('button', { name: 'Logg inn' }).click()
    await expect(page).toHaveURL(`${baseURL}/min-side`)
    await expect(page.getByRole('heading', { level: 1, name: 'Hei, Kari Nordmann' })).toBeVisible()
    const session = await (await page.request.get('/api/session')).json() as { user: { username: string }; authMethod: string }
    expect(session).toMatchObject({ user: { username: 'pasient' }, authMethod: 'idporten' })

    // her pulse of yesterday in her trend, with her target (COPD: yellow outside 50–110 /min … as the team set it)
    const pulse = page.getByRole('region', { name: 'Mine siste målinger' }).getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'Puls' }) })
    await expect(pulse.getByText(/måling(er)? de siste 14 dagene\./)).toBeVisible()
    await expect(pulse.getByText('Det grønne feltet er målet ditt. Prikkene er målingene dine.')).toBeVisible()
    await pulse.getByRole('button', { name: '3 måneder' }).click()
    await expect(pulse.getByRole('button', { name: '3 måneder' })).toHaveAttribute('aria-pressed', 'true')
    await expect(pulse.getByText(/de siste 90 dagene\./)).toBeVisible()
    await checkPage(page, `my-trend-${viewport.width}`)

    await page.getByRole('button', { name: 'Logg ut' }).click()
    await expect(page).toHaveURL(`${baseURL}/login`)
    expect((await page.request.get('/api/session')).status()).toBe(401)
    // ID-porten's session ended too: it asks for the person again
    await page.getByRole('link', { name: 'Logg inn med ID-porten (demo)' }).click()
    await expect(page.getByLabel('Testperson')).toBeVisible()
  })
}

// Issue 25's symptom questionnaires (ADR 0042): on her phone Kari answers
// "Hvordan har du det i dag?", sees her score and what it means, and finds it
// among her readings; the CAT form is there for her COPD. Axe-clean and no
// horizontal scroll at 390, 820 and 1366 px.
test('the patient answers today\'s question on her phone and sees it among her readings', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 })
  await logIn(page)
  const daily = page.getByRole('region', { name: 'Hvordan har du det i dag?' })
  await daily.getByRole('radio', { name: '4 – Bra' }).check()
  await expect(page.getByRole('region', { name: 'KOLS-testen (CAT)' }).getByRole('group')).toHaveCount(8)
  await checkPage(page, 'my-questionnaire-390')
  await daily.getByRole('button', { name: 'Send svaret' }).click()
  await expect(daily.getByRole('status')).toContainText('Svaret er sendt. Poeng: 4\u00a0av\u00a05.')
  await expect(daily.getByText('Det er innenfor grensene helsepersonellet har satt for deg.')).toBeVisible()
  const latest = page.getByRole('region', { name: 'Mine siste målinger' })
  const mine = latest.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'Dagsform' }) })
  await expect(mine.getByText('4/5', { exact: true })).toBeVisible()
  await checkPage(page, 'my-questionnaire-sent-390')
  for (const width of [820, 1366]) {
    await page.setViewportSize({ width, height: 900 })
    await checkPage(page, `my-questionnaire-sent-${width}`)
  }
  // a reload: today's answer is given, the question is not asked again
  await page.reload()
  await expect(page.getByRole('region', { name: 'Hvordan har du det i dag?' }).getByText('Du har svart i dag: Bra.', { exact: false })).toBeVisible()
})
