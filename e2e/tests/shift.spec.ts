import AxeBuilder from '@axe-core/playwright'
import { expect, test, type Page } from '@playwright/test'
import mqtt from 'mqtt'

// The nurse's shift (issue 20, docs/decisions/0034): a red SpO2 reading
// arrives by the real path (gateway → MQTT → ingest → rules → alert); the
// nurse on the evening opens the patient from the shift view, writes a
// handover note (rapport) for the next shift, and logs out. Logged in again
// (the next shift, as the demo has one nurse), the shift view shows the note
// first, with its author and time, and the new episode beside it; she takes
// the patient. Looked at in bokmål and English at 1366, 820 and 390 px: no
// sideways scroll, axe clean (screenshots in test-results/shift-*.png).
const mqttUrl = process.env.E2E_MQTT_URL ?? 'mqtt://127.0.0.1:18483'
// a gateway no other spec sends from; 80 % is red for every condition (NEWS2 scale 1: ≤ 91 %, COPD ≤ 83 %)
const GATEWAY_ID = 'demo-gw-008'
const NOTE = `Oksygenmetning 80 % i kveld, rask pust. Ring pasienten før frokost. (${Date.now().toString(36)})`

const scan = (page: Page) => new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze()

async function logIn(page: Page, username: string): Promise<void> {
  await page.goto('/login')
  await page.getByLabel('Brukernavn').fill(username)
  await page.getByLabel('Passord').fill('demo')
  await page.getByRole('button', { name: 'Logg inn' }).click()
  // logged in: the top bar's log-out (the login page has a heading of its own)
  await expect(page.getByRole('button', { name: 'Logg ut' })).toBeVisible()
}

async function publishAsGateway(gatewayId: string, reading: Record<string, unknown>): Promise<unknown> {
  const client = await mqtt.connectAsync(mqttUrl, {
    clientId: gatewayId, username: gatewayId, password: `${gatewayId}-secret`, clean: false, protocolVersion: 4, reconnectPeriod: 0,
  })
  try {
    await client.subscribeAsync(`varde/v1/gateways/${gatewayId}/receipts`, { qos: 1 })
    const batchId = `e2e-shift-${Date.now()}`
    const receipt = new Promise((resolve) => {
      client.on('message', (_topic, payload) => {
        const r = JSON.parse(payload.toString()) as { batchId: string }
        if (r.batchId === batchId) resolve(r)
      })
    })
    await client.publishAsync(`varde/v1/gateways/${gatewayId}/measurements`, JSON.stringify({
      batchId, sentAt: new Date().toISOString(),
      measurements: [{ id: 'm1', deviceId: 'AA:BB:CC:00:88:01', measuredAt: new Date().toISOString(), ...reading }],
    }), { qos: 1 })
    return await receipt
  } finally {
    await client.endAsync()
  }
}

/** No sideways scroll and axe clean at each width, with a screenshot to look at. */
async function lookAt(page: Page, name: string): Promise<void> {
  await expect(page.locator('[aria-busy="true"]')).toHaveCount(0)
  for (const width of [1366, 820, 390]) {
    await page.setViewportSize({ width, height: 900 })
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), { message: `${name} at ${width} px scrolls sideways` }).toBe(true)
    expect((await scan(page)).violations, `${name} at ${width} px: axe`).toEqual([])
    await page.screenshot({ path: `test-results/shift-${name}-${width}.png`, fullPage: true })
  }
  await page.setViewportSize({ width: 1024, height: 768 })
}

test('a handover note written on the evening is the first thing the next shift sees, beside the new episode', async ({ page }) => {
  test.setTimeout(120_000)
  const receipt = await publishAsGateway(GATEWAY_ID, { type: 'spo2', value: 80, unit: '%' })
  expect(receipt).toMatchObject({ accepted: ['m1'], rejected: [] })

  await logIn(page, 'sykepleier')
  await page.getByRole('navigation').getByRole('link', { name: 'Vakt' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Vakt' })).toBeVisible()
  // the new episode, once the rules have judged the reading (the view is read again until it is there)
  const changed = page.getByTestId('shift-changed')
  // Arne Nilsen is demo-gw-008's patient; other specs give other patients an SpO2 of 80 % too
  const episode = changed.getByTestId('shift-episode').filter({ hasText: 'Arne Nilsen' }).filter({ hasText: 'Oksygenmetning 80 %' })
  await expect(async () => {
    await page.reload()
    await expect(episode).toBeVisible({ timeout: 2_000 })
  }).toPass({ timeout: 30_000 })
  await expect(episode).toContainText('Rød')
  await expect(episode).toContainText('ny')
  const patient = (await episode.getByRole('link').first().textContent())!.trim()

  // the evening nurse writes the handover on the patient's page
  await episode.getByRole('link', { name: patient }).click()
  await expect(page.getByRole('heading', { level: 1, name: patient })).toBeVisible()
  const handover = page.getByTestId('handover-section')
  await handover.getByLabel('Ny rapport til neste vakt').fill(NOTE)
  await handover.getByRole('button', { name: 'Lagre rapport' }).click()
  await expect(handover.getByText('Rapporten er lagret.')).toBeVisible()
  await expect(handover.getByTestId('handover-note').first()).toContainText(NOTE)
  await expect(handover.getByTestId('handover-note').first()).toContainText('Sara Sykepleier')
  await lookAt(page, 'patient-handover')
  await page.getByRole('button', { name: 'Logg ut' }).click()
  await expect(page.getByLabel('Brukernavn')).toBeVisible()

  // the next shift: the note first, with who wrote it, then the new episode
  await logIn(page, 'sykepleier')
  await page.goto('/vakt')
  await expect(page.getByRole('heading', { level: 1, name: 'Vakt' })).toBeVisible()
  const first = page.locator('main section').first()
  await expect(first).toHaveAttribute('data-testid', 'shift-handovers')
  const note = first.getByRole('listitem').filter({ hasText: NOTE })
  await expect(note).toBeVisible()
  await expect(note).toContainText(patient)
  await expect(note).toContainText('Sara Sykepleier')
  await expect(page.getByTestId('shift-changed').getByTestId('shift-episode').filter({ hasText: patient }).filter({ hasText: 'Oksygenmetning 80 %' })).toBeVisible()

  // she takes the patient: hers now, first among the shift's
  const row = page.getByTestId('shift-assignment').filter({ hasText: patient })
  await row.getByLabel(`Sykepleier for ${patient}`).selectOption({ label: 'Sara Sykepleier' })
  await expect(page.getByTestId('shift-assignments').getByRole('heading', { name: 'Mine pasienter' })
    .locator('xpath=..').getByTestId('shift-assignment').filter({ hasText: patient })).toBeVisible()
  await lookAt(page, 'view-nb')

  await page.getByRole('group', { name: 'Språk' }).getByRole('button', { name: 'English' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Shift' })).toBeVisible()
  await expect(page.getByTestId('shift-handovers').getByRole('heading', { name: /Handover/ })).toBeVisible()
  await lookAt(page, 'view-en')
  await page.getByRole('group', { name: 'Language' }).getByRole('button', { name: 'Norsk' }).click()
})
