import AxeBuilder from '@axe-core/playwright'
import { expect, test, type Page } from '@playwright/test'
import mqtt from 'mqtt'

// A red reading becomes an alert in the nurse's inbox (Varsler) by the real
// path: gateway → MQTT → ingest → rules → alert → server → SSE → portal. The
// nurse acknowledges it (kvitter ut), then resolves it (avslutt) saying what
// was done. Per Olsen (demo-gw-004) has hypertension: the general SpO2 limits
// apply, and 84 % is red (NEWS2 scale 1: ≤ 91 %).
const mqttUrl = process.env.E2E_MQTT_URL ?? 'mqtt://127.0.0.1:18483'
const GATEWAY_ID = 'demo-gw-004'
const PATIENT = 'Per Olsen'

async function logIn(page: Page, username: string): Promise<void> {
  await page.goto('/')
  await page.getByLabel('Brukernavn').fill(username)
  await page.getByLabel('Passord').fill('demo')
  await page.getByRole('button', { name: 'Logg inn' }).click()
  await expect(page.getByRole('heading', { name: 'Pasienter' })).toBeVisible()
}

/** Publishes one reading as the gateway would, and waits for its receipt. */
async function publishAsGateway(gatewayId: string, reading: Record<string, unknown>): Promise<unknown> {
  const client = await mqtt.connectAsync(mqttUrl, {
    clientId: gatewayId, username: gatewayId, password: `${gatewayId}-secret`, clean: false, protocolVersion: 4, reconnectPeriod: 0,
  })
  try {
    await client.subscribeAsync(`varde/v1/gateways/${gatewayId}/receipts`, { qos: 1 })
    const batchId = `e2e-alert-${Date.now()}`
    const receipt = new Promise((resolve) => {
      client.on('message', (_topic, payload) => {
        const r = JSON.parse(payload.toString()) as { batchId: string }
        if (r.batchId === batchId) resolve(r)
      })
    })
    await client.publishAsync(`varde/v1/gateways/${gatewayId}/measurements`, JSON.stringify({
      batchId, sentAt: new Date().toISOString(),
      measurements: [{ id: 'm1', deviceId: 'AA:BB:CC:00:44:01', measuredAt: new Date().toISOString(), ...reading }],
    }), { qos: 1 })
    return await receipt
  } finally {
    await client.endAsync()
  }
}

const scan = (page: Page) => new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze()

test('a red SpO2 reading arrives in the inbox live; the nurse acknowledges and resolves it', async ({ page }) => {
  await logIn(page, 'sykepleier')
  await page.getByRole('link', { name: 'Varsler' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Varsler' })).toBeVisible()
  await expect(page.getByRole('region', { name: /Åpne/ })).toBeVisible()
  expect((await scan(page)).violations).toEqual([])

  let reloaded = false
  page.on('load', () => { reloaded = true })
  const receipt = await publishAsGateway(GATEWAY_ID, { type: 'spo2', value: 84, unit: '%' })
  expect(receipt).toMatchObject({ accepted: ['m1'], rejected: [] })

  // live, without reloading: the rules open it and the server pushes it
  const open = page.getByRole('region', { name: /Åpne/ })
  const card = open.getByRole('article', { name: PATIENT })
  await expect(card).toBeVisible()
  expect(reloaded).toBe(false)
  await expect(card.getByText('Rødt varsel')).toBeVisible()
  // an episode card (issue 20); why it came is one click away
  await card.getByRole('button', { name: 'Vis hvorfor' }).click()
  await expect(card.getByText(/Oksygenmetning 84 %/).first()).toBeVisible()
  await expect(card.getByText('Oksygenmetning – Rød grense')).toBeVisible()
  await expect(card.getByText('threshold:spo2')).toBeVisible()
  // red comes first
  await expect(open.getByRole('article').first()).toContainText('Rødt varsel')
  expect((await scan(page)).violations).toEqual([])
  await page.screenshot({ path: 'test-results/alerts-inbox.png', fullPage: true })

  await card.getByRole('button', { name: 'Kvitter ut' }).click()
  await expect(page.getByText(`Episoden for ${PATIENT} er kvittert ut.`)).toBeVisible()
  const followUp = page.getByRole('region', { name: /Kvittert ut/ }).getByRole('article', { name: PATIENT })
  await expect(followUp).toContainText('Kvittert ut av Sara Sykepleier')
  await expect(open.getByRole('article', { name: PATIENT })).toHaveCount(0)

  await followUp.getByRole('button', { name: 'Avslutt' }).click()
  await followUp.getByRole('radio', { name: 'Kontaktet pasienten' }).check()
  await followUp.getByLabel('Notat (valgfritt)').fill('Ringte pasienten, målte på nytt: 95 %.')
  expect((await scan(page)).violations).toEqual([])
  await followUp.getByRole('button', { name: 'Avslutt episoden' }).click()
  await expect(page.getByText(`Episoden for ${PATIENT} er avsluttet.`)).toBeVisible()
  await expect(page.getByRole('article', { name: PATIENT })).toHaveCount(0)

  // the record: out of the open list, resolved with what was done
  const unresolved = await (await page.request.get('/api/alerts?status=open&status=acknowledged')).json() as { items: { patientName: string }[] }
  expect(unresolved.items.filter((a) => a.patientName === PATIENT)).toEqual([])
  const resolved = await (await page.request.get('/api/alerts?status=resolved')).json() as { items: Record<string, unknown>[] }
  expect(resolved.items.find((a) => a.patientName === PATIENT)).toMatchObject({
    severity: 'red', status: 'resolved', rule: 'threshold:spo2', outcome: 'contacted-patient',
    resolutionNote: 'Ringte pasienten, målte på nytt: 95 %.', acknowledgedBy: 'Sara Sykepleier', resolvedBy: 'Sara Sykepleier',
  })
  expect(reloaded).toBe(false)
})
