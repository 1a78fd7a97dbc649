import AxeBuilder from '@axe-core/playwright'
import { expect, test, type Page } from '@playwright/test'

// Issue 24: a newcomer sees the real HelseID flow in demo mode. The login
// page offers "Logg inn med HelseID (demo)" beside the password form; the
// local stand-in (oidc-provider) asks for a test person; the portal opens as
// the Varde user with that HPR number; logging out ends the session at the
// stand-in too (single logout) and comes back to the login page.
const scan = (page: Page) => new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze()

test('logs in with HelseID (demo) as the matched user, and out of both', async ({ page, baseURL }) => {
  await page.goto('/')
  const helseId = page.getByRole('link', { name: 'Logg inn med HelseID (demo)' })
  await expect(helseId).toBeVisible()
  expect((await scan(page)).violations).toEqual([])

  await helseId.click()
  await expect(page.getByRole('heading', { name: 'HelseID (demo)' })).toBeVisible()
  expect((await scan(page)).violations).toEqual([])
  await page.getByLabel('Testperson').fill('lege')
  await page.getByRole('button', { name: 'Logg inn' }).click()

  await expect(page.getByRole('heading', { name: 'Pasienter' })).toBeVisible()
  expect(new URL(page.url()).origin).toBe(baseURL)
  await expect(page.getByText('Lars Lege')).toBeVisible()
  const session = await (await page.request.get('/api/session')).json() as { user: { username: string }; authMethod: string }
  expect(session).toMatchObject({ user: { username: 'lege' }, authMethod: 'helseid' })

  await page.getByRole('button', { name: 'Logg ut' }).click()
  await expect(page).toHaveURL(`${baseURL}/login`)
  await expect(page.getByRole('link', { name: 'Logg inn med HelseID (demo)' })).toBeVisible()
  expect((await page.request.get('/api/session')).status()).toBe(401)
  // the stand-in's session ended too: it asks for the person again
  await page.getByRole('link', { name: 'Logg inn med HelseID (demo)' }).click()
  await expect(page.getByLabel('Testperson')).toBeVisible()
})

// Issue 24's leftovers: Vera Vikar is a user in both demo tenants; after the
// HelseID login she picks the municipality, and in demo breaks the glass for
// a patient after a fresh HelseID login (prompt=login), her reason kept.
const WIDTHS = [1366, 820, 390] as const
async function lookAt(page: Page, name: string): Promise<void> {
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 })
    expect((await scan(page)).violations).toEqual([])
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true)
    await page.screenshot({ path: `test-results/${name}-${width}.png`, fullPage: true })
  }
  await page.setViewportSize({ width: 1024, height: 768 })
}

test('a person in two tenants picks one, and breaks the glass after a fresh HelseID login', async ({ page }) => {
  // Ola Hansen's address, as the nurse on his team sees it
  await page.goto('/login')
  await page.getByLabel('Brukernavn').fill('sykepleier')
  await page.getByLabel('Passord').fill('demo')
  await page.getByRole('button', { name: 'Logg inn' }).click()
  await page.getByRole('link', { name: /Ola Hansen/ }).first().click()
  await expect(page.getByRole('heading', { level: 1, name: 'Ola Hansen' })).toBeVisible()
  const olaPath = new URL(page.url()).pathname
  await page.getByRole('button', { name: 'Logg ut' }).click()

  await page.getByRole('link', { name: 'Logg inn med HelseID (demo)' }).click()
  await page.getByLabel('Testperson').fill('vikar')
  await page.getByRole('button', { name: 'Logg inn' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Velg kommune' })).toBeVisible()
  await lookAt(page, 'choose-tenant')
  await page.getByRole('button', { name: 'Demo kommune' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Pasienter' })).toBeVisible()
  expect(await (await page.request.get('/api/session')).json()).toMatchObject({ user: { username: 'vikar' }, tenant: { id: 'demo' }, authMethod: 'helseid' })

  await page.goto(olaPath)
  const emergency = page.getByRole('region', { name: 'Nødtilgang' })
  await emergency.getByRole('button', { name: 'Be om nødtilgang' }).click()
  await expect(emergency.getByText('Du blir sendt til HelseID for å logge inn på nytt')).toBeVisible()
  await emergency.getByLabel('Begrunnelse (minst 10 tegn)').fill('Pasienten falt hjemme, legevakten ber om siste målinger')
  await lookAt(page, 'emergency-helseid')
  // a HelseID login seconds old is fresh enough (at most 5 minutes): no password, no trip through HelseID;
  // an older one's trip (prompt=login, max_age) is clinician-web/server/test/helseid-login.test.ts's
  await emergency.getByRole('button', { name: 'Åpne nødtilgang' }).click()
  await expect(page.getByRole('status').filter({ hasText: /^Nødtilgang til / })).toBeVisible()
})
