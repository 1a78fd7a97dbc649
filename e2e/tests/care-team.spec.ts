import AxeBuilder from '@axe-core/playwright'
import { expect, test, type APIRequestContext, type Page } from '@playwright/test'
import mqtt from 'mqtt'

// Issue 18, acceptance e2e: a nurse adds the GP (fastlege, of "Demo
// legekontor") to a patient's care team, forwards an alert with a note by
// "Del med fastlege" and sees it delivered (the receiver built into demo
// mode, platform-contract.md "Forwarding (demo mode)"); the GP logs in and
// sees only that patient, and none of the municipality's administration.
// Jon Jensen (demo-gw-010, hypertension) has no GP on his team in the seed;
// 84 % SpO2 is red for him (NEWS2 scale 1).
const mqttUrl = process.env.E2E_MQTT_URL ?? 'mqtt://127.0.0.1:18483'
const GATEWAY_ID = 'demo-gw-010'
const PATIENT = 'Jon Jensen'
const NOTE = 'Lav metning to dager på rad. Kan du se på medisinene?'

async function logIn(page: Page, username: string): Promise<void> {
  await page.goto('/')
  await page.getByLabel('Brukernavn').fill(username)
  await page.getByLabel('Passord').fill('demo')
  await page.getByRole('button', { name: 'Logg inn' }).click()
  await expect(page.getByRole('heading', { name: 'Pasienter' })).toBeVisible()
}

async function logOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: /Logg ut|Log out/ }).click()
  await expect(page.getByLabel(/Brukernavn|Username/)).toBeVisible()
}

async function publishAsGateway(gatewayId: string, reading: Record<string, unknown>): Promise<unknown> {
  const client = await mqtt.connectAsync(mqttUrl, {
    clientId: gatewayId, username: gatewayId, password: `${gatewayId}-secret`, clean: false, protocolVersion: 4, reconnectPeriod: 0,
  })
  try {
    await client.subscribeAsync(`varde/v1/gateways/${gatewayId}/receipts`, { qos: 1 })
    const batchId = `e2e-care-team-${Date.now()}`
    const receipt = new Promise((resolve) => {
      client.on('message', (_topic, payload) => {
        const r = JSON.parse(payload.toString()) as { batchId: string }
        if (r.batchId === batchId) resolve(r)
      })
    })
    await client.publishAsync(`varde/v1/gateways/${gatewayId}/measurements`, JSON.stringify({
      batchId, sentAt: new Date().toISOString(),
      measurements: [{ id: 'm1', deviceId: 'AA:BB:CC:00:10:01', measuredAt: new Date().toISOString(), ...reading }],
    }), { qos: 1 })
    return await receipt
  } finally {
    await client.endAsync()
  }
}

/**
 * The seed puts the GP on several patients' teams: the nurse ends those
 * relationships first (through the API, as the section would), so that "only
 * that patient" is what the GP should see.
 */
async function endGpRelationships(request: APIRequestContext): Promise<void> {
  expect((await request.post('/api/session', { data: { username: 'sykepleier', password: 'demo' } })).status()).toBe(204)
  const { items } = (await (await request.get('/api/patients')).json()) as { items: { id: string }[] }
  for (const patient of items) {
    const team = (await (await request.get(`/api/patients/${patient.id}/care-team`)).json()) as { members: { id: string; isActive: boolean; user: { displayName: string } | null }[] }
    for (const m of team.members.filter((x) => x.isActive && x.user?.displayName === 'Frida Fastlege')) {
      expect((await request.post(`/api/patients/${patient.id}/care-team/${m.id}/end`, { data: { reason: 'e2e: fastlegen ser bare én pasient' } })).status()).toBe(200)
    }
  }
  await request.delete('/api/session')
}

/** Axe on the page at rest: a range being loaded again is shown faded (aria-busy), which is not the page to judge. */
async function scan(page: Page) {
  await expect(page.locator('[aria-busy="true"]')).toHaveCount(0)
  return new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze()
}
/** What sticks out sideways (nothing, when the page does not scroll sideways): the outermost elements wider than the window. */
const sidewaysOverflow = (page: Page) => page.evaluate(() => {
  const width = document.documentElement.clientWidth
  if (document.documentElement.scrollWidth <= width) return []
  const wide = [...document.querySelectorAll<HTMLElement>('body *')].filter((e) => e.getBoundingClientRect().right > width + 0.5)
  const where = (e: HTMLElement | null): string => (e && e !== document.body ? `${where(e.parentElement)} > ${e.tagName.toLowerCase()}${e.className ? `.${String(e.className).split(' ')[0]}` : ''}` : '')
  return wide.filter((e) => !wide.includes(e.parentElement as HTMLElement)).map((e) => `${where(e)} ${Math.round(e.getBoundingClientRect().right)}px`)
})

/** Screenshots at the three widths we look at, each without sideways scrolling. */
async function shoot(page: Page, name: string): Promise<void> {
  for (const width of [1366, 820, 390]) {
    await page.setViewportSize({ width, height: 900 })
    // the charts measure their box again after a resize: the page at rest is what is judged
    await expect.poll(() => sidewaysOverflow(page), { message: `${name} at ${width} px` }).toEqual([])
    await page.screenshot({ path: `test-results/${name}-${width}.png`, fullPage: true })
  }
  await page.setViewportSize({ width: 1024, height: 768 })
}

test('a nurse adds the GP to the care team and shares an alert with a note, which is delivered; the GP sees only that patient', async ({ page, request }) => {
  test.setTimeout(120_000)
  await endGpRelationships(request)
  expect(await publishAsGateway(GATEWAY_ID, { type: 'spo2', value: 84, unit: '%' })).toMatchObject({ accepted: ['m1'], rejected: [] })

  // the nurse: the patient's care team, the GP added with the relationship's metadata
  await logIn(page, 'sykepleier')
  await page.getByRole('link', { name: new RegExp(PATIENT) }).click()
  await expect(page.getByRole('heading', { level: 1, name: PATIENT })).toBeVisible()
  const team = page.getByRole('region', { name: 'Behandlingsteam' })
  await expect(team.getByText('Pasienten har ikke reservert seg mot deling.')).toBeVisible()
  await expect(team.getByText('Demo legekontor').first()).toBeVisible() // a recipient, and what it gets
  await expect(team.getByText('Får: røde varsler straks, alle målinger daglig')).toBeVisible()
  await team.getByRole('button', { name: 'Legg til i behandlingsteamet' }).click()
  const form = team.getByRole('form', { name: 'Ny relasjon' })
  await form.getByLabel('Bruker', { exact: true }).selectOption({ label: 'Frida Fastlege (fastlege, Demo legekontor)' })
  await expect(form.getByLabel('Relasjon', { exact: true })).toHaveValue('gp')
  await expect(form.getByLabel(/^Organisasjonsnummer/)).toHaveValue('999000111')
  await form.getByLabel(/^Rolle og autorisasjon/).fill('LE')
  await form.getByLabel('Begrunnelse for beslutningen').fill('Pasienten har Frida Fastlege som fastlege')
  expect((await scan(page)).violations).toEqual([])
  await form.getByRole('button', { name: 'Legg til', exact: true }).click()
  await expect(team.getByText('Frida Fastlege er lagt til i behandlingsteamet.').first()).toBeVisible()
  const gp = team.getByRole('article', { name: 'Frida Fastlege' })
  await expect(gp).toContainText('Fastlege')
  await expect(gp).toContainText('Utenfor kommunen')
  await expect(gp).toContainText('Aktiv')
  await expect(gp).toContainText('Demo legekontor, org.nr. 999000111')
  await expect(gp).toContainText('Sara Sykepleier')
  await expect(gp).toContainText('Pasienten har Frida Fastlege som fastlege')

  // "Del med fastlege" in the inbox, with a note: delivered by the receiver built into demo mode
  await page.getByRole('link', { name: 'Varsler' }).click()
  const card = page.getByRole('region', { name: /Åpne/ }).getByRole('article', { name: PATIENT })
  await expect(card).toBeVisible()
  await card.getByRole('button', { name: 'Del med fastlege' }).click()
  await card.getByLabel('Merknad til fastlegen (valgfritt)').fill(NOTE)
  expect((await scan(page)).violations).toEqual([])
  await card.getByRole('button', { name: 'Del nå' }).click()
  const status = card.getByRole('status')
  await expect(status).toContainText('Delt med Demo legekontor:')
  await expect(status).toContainText('Levert', { timeout: 20_000 })
  await shoot(page, 'care-team-inbox')

  // the patient page says the same, with who shared it and the note
  await card.getByRole('link', { name: PATIENT }).click()
  const deliveries = page.getByRole('region', { name: 'Videresendinger' })
  const shared = deliveries.getByRole('listitem').filter({ hasText: `Merknad: ${NOTE}` })
  await expect(shared).toContainText('Delt av Sara Sykepleier')
  await expect(shared).toContainText('Levert')
  await expect(page.getByRole('region', { name: 'Behandlingsteam' })).toBeVisible()
  expect((await scan(page)).violations).toEqual([])
  await page.getByRole('region', { name: 'Behandlingsteam' }).scrollIntoViewIfNeeded()
  await shoot(page, 'care-team-patient')

  // the same in English
  await page.getByRole('button', { name: 'English' }).click()
  await expect(page.getByRole('region', { name: 'Care team' })).toBeVisible()
  await expect(page.getByRole('region', { name: 'Deliveries' }).getByText('Delivered').first()).toBeVisible()
  await expect(page.getByRole('article', { name: 'Frida Fastlege' })).toContainText('Outside the municipality')
  expect((await scan(page)).violations).toEqual([])
  await page.screenshot({ path: 'test-results/care-team-patient-en.png', fullPage: true })
  await page.getByRole('button', { name: 'Norsk' }).click()
  await logOut(page)

  // the GP: exactly that patient, read-only, and no municipal administration
  await logIn(page, 'fastlege')
  await expect(page.getByTestId(/^patient-/)).toHaveCount(1)
  await expect(page.getByTestId(/^patient-/)).toContainText(PATIENT)
  await expect(page.getByText('Viser 1 av 1 pasienter')).toBeVisible()
  await shoot(page, 'care-team-gp')
  await expect(page.getByRole('link', { name: 'Videresendinger' })).toHaveCount(0)
  await page.getByRole('main').getByRole('link', { name: new RegExp(PATIENT) }).click()
  const readOnly = page.getByRole('region', { name: 'Behandlingsteam' })
  await expect(readOnly.getByRole('article', { name: 'Frida Fastlege' })).toBeVisible()
  await expect(readOnly.getByRole('button', { name: 'Legg til i behandlingsteamet' })).toHaveCount(0)
  await expect(readOnly.getByRole('button', { name: 'Del med fastlege' })).toHaveCount(0)
  expect((await scan(page)).violations).toEqual([])
  await page.getByRole('link', { name: 'Varsler' }).click()
  await expect(page.getByRole('article', { name: PATIENT }).first()).toBeVisible()
  await expect(page.getByRole('article').filter({ hasNotText: PATIENT })).toHaveCount(0)
  await expect(page.getByRole('button', { name: 'Del med fastlege' })).toHaveCount(0)
  await page.goto('/admin/deliveries')
  await expect(page.getByRole('heading', { level: 1, name: 'Videresendinger' })).toHaveCount(0)
  await logOut(page)

  // the administrator: every delivery of the tenant, this one delivered
  await logIn(page, 'admin')
  await page.getByRole('link', { name: 'Videresendinger' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Videresendinger' })).toBeVisible()
  const row = page.getByRole('listitem').filter({ hasText: `Merknad: ${NOTE}` })
  await expect(row).toContainText(PATIENT)
  await expect(row).toContainText('Levert')
  expect((await scan(page)).violations).toEqual([])
  await shoot(page, 'care-team-admin')
})
