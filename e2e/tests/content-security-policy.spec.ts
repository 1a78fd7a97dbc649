import { expect, test, type Page } from '@playwright/test'
import mqtt from 'mqtt'

// Issue 14: the portal runs under a strict Content-Security-Policy (scripts,
// styles, images and connections from its own origin only, nothing inline
// allowed, framed by no one). Chromium reports every violation as a
// `securitypolicyviolation` event; a page that needs something the policy
// forbids would break there, so each page a nurse uses is visited.

declare global {
  interface Window { cspViolations?: string[] }
}

const mqttUrl = process.env.E2E_MQTT_URL ?? 'mqtt://127.0.0.1:18483'

/** Two ordinary SpO2 readings of Kari Nordmann (demo-gw-001), minutes ago, so that her page draws a chart. */
async function publishHistory(): Promise<void> {
  const gatewayId = 'demo-gw-001'
  const client = await mqtt.connectAsync(mqttUrl, {
    clientId: gatewayId, username: gatewayId, password: `${gatewayId}-secret`, clean: false, protocolVersion: 4, reconnectPeriod: 0,
  })
  try {
    await client.subscribeAsync(`varde/v1/gateways/${gatewayId}/receipts`, { qos: 1 })
    const batchId = `e2e-csp-${Date.now()}`
    const receipt = new Promise((resolve) => {
      client.on('message', (_topic, payload) => {
        if ((JSON.parse(payload.toString()) as { batchId: string }).batchId === batchId) resolve(undefined)
      })
    })
    const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString()
    await client.publishAsync(`varde/v1/gateways/${gatewayId}/measurements`, JSON.stringify({
      batchId, sentAt: new Date().toISOString(),
      measurements: [
        { id: 'csp-1', deviceId: 'AA:BB:CC:00:11:44', type: 'spo2', value: 97, unit: '%', measuredAt: at(30) },
        { id: 'csp-2', deviceId: 'AA:BB:CC:00:11:44', type: 'spo2', value: 96, unit: '%', measuredAt: at(20) },
      ],
    }), { qos: 1 })
    await receipt
  } finally {
    await client.endAsync()
  }
}

async function watchViolations(page: Page): Promise<string[]> {
  const console: string[] = []
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) console.push(message.text())
  })
  await page.addInitScript(() => {
    window.cspViolations = []
    document.addEventListener('securitypolicyviolation', (e) => {
      window.cspViolations!.push(`${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`)
    })
  })
  return console
}

test('the portal runs under its strict CSP without a violation: login, patient list, patient page with charts, alerts', async ({ page }) => {
  await publishHistory()
  const consoleViolations = await watchViolations(page)
  const response = await page.goto('/')
  const csp = (await response!.allHeaders())['content-security-policy'] ?? ''
  expect(csp).toContain("script-src 'self'")
  expect(csp).toContain("frame-ancestors 'none'")
  expect(csp).not.toContain('unsafe-inline')

  await page.getByLabel('Brukernavn').fill('sykepleier')
  await page.getByLabel('Passord').fill('demo')
  await page.getByRole('button', { name: 'Logg inn' }).click()
  await expect(page.getByRole('heading', { name: 'Pasienter' })).toBeVisible()
  await page.getByRole('link', { name: /Kari Nordmann/ }).click()
  await expect(page.getByRole('heading', { level: 1, name: /Kari Nordmann/ })).toBeVisible()
  // Recharts draws the history: the inline styles it sets must pass the policy
  await expect(page.locator('svg.recharts-surface').first()).toBeVisible()
  const onPatientPage = await page.evaluate(() => window.cspViolations ?? [])
  await page.goto('/alerts')
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible()
  const onAlertsPage = await page.evaluate(() => window.cspViolations ?? [])
  expect({ onPatientPage, onAlertsPage, consoleViolations }).toEqual({ onPatientPage: [], onAlertsPage: [], consoleViolations: [] })
})
