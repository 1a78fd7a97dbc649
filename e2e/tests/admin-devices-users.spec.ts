import AxeBuilder from '@axe-core/playwright'
import { expect, test, type Page } from '@playwright/test'
import mqtt from 'mqtt'

// Issue 17, the administrator's two pages, in Chromium against the platform
// as `npm start` runs it: a gateway's secret is replaced (the old one is
// refused by the broker, the new one shown once connects) and a device
// paired; a nurse is created, logs in with the password shown once, is put on
// a care team, and once disabled the next request of her session is refused.
// Each page is checked with axe and for sideways scrolling on a phone.

const mqttUrl = process.env.E2E_MQTT_URL ?? 'mqtt://127.0.0.1:18483'
// a gateway no other spec uses: its secret changes here
const gatewayId = 'demo-gw-012'

async function logIn(page: Page, username: string, password = 'demo'): Promise<void> {
  await page.goto('/')
  await page.getByLabel('Brukernavn').fill(username)
  await page.getByLabel('Passord').fill(password)
  await page.getByRole('button', { name: 'Logg inn' }).click()
  await expect(page.getByRole('heading', { name: 'Pasienter' })).toBeVisible()
}

const scan = async (page: Page) =>
  (await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze()).violations

/** No sideways scrolling at the phone's width (390 px). */
async function fitsPhone(page: Page): Promise<boolean> {
  const size = page.viewportSize()!
  await page.setViewportSize({ width: 390, height: 844 })
  const fits = await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth)
  await page.setViewportSize(size)
  return fits
}

/** The CONNACK a gateway gets with these credentials: 0 accepted, else the refusal's return code. */
async function connackOf(password: string): Promise<number> {
  const client = mqtt.connect(mqttUrl, { clientId: gatewayId, username: gatewayId, password, clean: false, protocolVersion: 4, reconnectPeriod: 0 })
  return new Promise((resolve) => {
    client.once('connect', () => { client.end(true); resolve(0) })
    client.once('error', (error: Error & { code?: number }) => { client.end(true); resolve(error.code ?? -1) })
  })
}

test('an administrator replaces a gateway\'s secret and pairs a device', async ({ page }) => {
  await logIn(page, 'admin')
  await page.getByRole('link', { name: 'Basestasjoner' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Basestasjoner og måleutstyr' })).toBeVisible()
  await page.getByTestId(`gateway-${gatewayId}`).getByRole('button', { name: gatewayId }).click()
  await expect(page.getByRole('heading', { name: `Basestasjon ${gatewayId}` })).toBeVisible()

  await page.getByRole('button', { name: 'Bytt hemmelighet' }).click()
  await page.getByRole('button', { name: 'Bytt nå' }).click()
  const secret = (await page.getByTestId('one-time-secret').textContent())!
  expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/)
  await expect(page.getByRole('img', { name: new RegExp(`QR-kode med basestasjon ${gatewayId}`) })).toBeVisible()
  expect(await connackOf(`${gatewayId}-secret`)).toBe(4)
  expect(await connackOf(secret)).toBe(0)

  await page.getByLabel(/Koble til måleutstyr/).fill('AA:BB:CC:E2:E0:01')
  await page.getByRole('button', { name: 'Koble til', exact: true }).click()
  await expect(page.getByTestId('device-AA:BB:CC:E2:E0:01').getByRole('button', { name: 'Koble fra AA:BB:CC:E2:E0:01' })).toBeVisible()
  expect(await scan(page)).toEqual([])
  expect(await fitsPhone(page)).toBe(true)

  // the same device for another patient's gateway: a clear message, nothing paired
  await page.getByTestId('gateway-demo-gw-013').getByRole('button', { name: 'demo-gw-013' }).click()
  await page.getByLabel(/Koble til måleutstyr/).fill('AA:BB:CC:E2:E0:01')
  await page.getByRole('button', { name: 'Koble til', exact: true }).click()
  await expect(page.getByRole('alert')).toContainText('koblet til en annen pasients basestasjon')
  await page.screenshot({ path: 'test-results/admin-gateways.png', fullPage: true })
})

test('an administrator creates a nurse who logs in, puts her on a care team, and disables her: her session is refused at once', async ({ page, browser }) => {
  await logIn(page, 'admin')
  await page.getByRole('link', { name: 'Brukere' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Brukere og roller' })).toBeVisible()
  await page.getByLabel('Brukernavn').fill('e2e-sykepleier')
  await page.getByLabel('Navn', { exact: true }).fill('Eva Ende-til-ende')
  await page.getByRole('button', { name: 'Opprett bruker' }).click()
  const password = (await page.getByTestId('one-time-secret').textContent())!
  expect(password).toHaveLength(16)
  expect(await scan(page)).toEqual([])

  const nurseContext = await browser.newContext()
  try {
    const nurse = await nurseContext.newPage()
    await logIn(nurse, 'e2e-sykepleier', password)
    await expect(nurse.getByText('Du har ingen pasienter i behandlingsteamet ditt.')).toBeVisible()

    // the chosen user's care teams: on Kari Nordmann's, and she sees Kari
    await expect(page.getByRole('heading', { level: 2, name: 'Eva Ende-til-ende' })).toBeVisible()
    await page.getByLabel('Pasient', { exact: true }).selectOption({ label: 'Kari Nordmann' })
    await page.getByRole('button', { name: 'Legg til i behandlingsteamet' }).click()
    await expect(page.getByRole('button', { name: 'Ta ut av behandlingsteamet til Kari Nordmann' })).toBeVisible()
    await nurse.reload()
    await expect(nurse.getByRole('link', { name: /Kari Nordmann/ })).toBeVisible()

    await page.getByRole('button', { name: 'Deaktiver', exact: true }).click()
    await page.getByRole('button', { name: 'Deaktiver nå' }).click()
    await expect(page.getByTestId('user-e2e-sykepleier')).toContainText('Deaktivert')
    // the next request of her session is refused, and so is her login
    expect((await nurse.request.get('/api/session')).status()).toBe(401)
    await nurse.reload()
    await expect(nurse.getByLabel('Brukernavn')).toBeVisible()
    await nurse.getByLabel('Brukernavn').fill('e2e-sykepleier')
    await nurse.getByLabel('Passord').fill(password)
    await nurse.getByRole('button', { name: 'Logg inn' }).click()
    await expect(nurse.getByRole('alert')).toContainText(/Feil brukernavn eller passord/)
  } finally {
    await nurseContext.close()
  }
  expect(await scan(page)).toEqual([])
  expect(await fitsPhone(page)).toBe(true)
  await page.screenshot({ path: 'test-results/admin-users.png', fullPage: true })
})
