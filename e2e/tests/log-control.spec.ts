import { readFile } from 'node:fs/promises'
import AxeBuilder from '@axe-core/playwright'
import { expect, test, type Page } from '@playwright/test'

// Issue 19, acceptance: a nurse on no care team (vikar) breaks the glass for
// Kari Nordmann (demo-gw-001); the privacy officer (personvern) sees the
// access flagged in log control, opens it and marks it reviewed with a note;
// Kari herself (pasient) sees that access in her access report. Each page
// axe-clean, in bokmål and English, at 1366, 820 and 390 px.
const REASON = 'Pasienten ringte responssenteret med brystsmerter'
const WIDTHS = [1366, 820, 390] as const
const scan = (page: Page) => new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze()

async function logIn(page: Page, username: string): Promise<void> {
  await page.goto('/login')
  await page.getByLabel('Brukernavn').fill(username)
  await page.getByLabel('Passord').fill('demo')
  await page.getByRole('button', { name: 'Logg inn' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Pasienter' })).toBeVisible()
}
async function logOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: /Logg ut|Log out/ }).click()
  await expect(page.getByLabel('Brukernavn')).toBeVisible()
}
/** Screenshots at each width, each axe-clean and without horizontal scroll. */
async function lookAt(page: Page, name: string): Promise<void> {
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 })
    expect((await scan(page)).violations).toEqual([])
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true)
    await page.screenshot({ path: `test-results/${name}-${width}.png`, fullPage: true })
  }
  await page.setViewportSize({ width: 1024, height: 768 })
}

test('emergency access by a nurse is flagged, reviewed by the privacy officer, and shown to the patient', async ({ page }) => {
  // Kari's id, as the home-care nurse on her team sees it
  await logIn(page, 'sykepleier')
  await page.getByRole('link', { name: /Kari Nordmann/ }).first().click()
  await expect(page.getByRole('heading', { level: 1, name: 'Kari Nordmann' })).toBeVisible()
  const kariPath = new URL(page.url()).pathname
  await logOut(page)

  // the substitute nurse is refused, and breaks the glass
  await logIn(page, 'vikar')
  await page.goto(kariPath)
  await expect(page.getByText('Fant ikke pasienten, eller du har ikke tilgang til pasienten.')).toBeVisible()
  const emergency = page.getByRole('region', { name: 'Nødtilgang' })
  await emergency.getByRole('button', { name: 'Be om nødtilgang' }).click()
  await emergency.getByLabel('Begrunnelse (minst 10 tegn)').fill(REASON)
  await emergency.getByLabel('Passordet ditt (bekreft at det er deg)').fill('feil')
  await emergency.getByRole('button', { name: 'Åpne nødtilgang' }).click()
  await expect(emergency.getByRole('alert')).toContainText('Passordet er ikke riktig.')
  await lookAt(page, 'emergency-refused')
  await emergency.getByLabel('Passordet ditt (bekreft at det er deg)').fill('demo')
  await emergency.getByRole('button', { name: 'Åpne nødtilgang' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Kari Nordmann' })).toBeVisible()
  await expect(page.getByRole('status').filter({ hasText: /^Nødtilgang til .* Tilgangen er logget og blir kontrollert\.$/ })).toBeVisible()
  await page.screenshot({ path: 'test-results/emergency-granted-1024.png', fullPage: true })
  await logOut(page)

  // the privacy officer sees the flag, opens it and marks it reviewed
  await logIn(page, 'personvern')
  await page.getByRole('link', { name: 'Loggkontroll' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Loggkontroll' })).toBeVisible()
  await page.getByLabel('Brukernavn').fill('vikar')
  await page.getByLabel('Handling').fill('emergency-access')
  // the attempt with the wrong password is there too, flagged as denied; the granted one is allowed
  await page.getByLabel('Utfall').selectOption('allowed')
  await page.getByRole('button', { name: 'Vis oppføringer' }).click()
  const entry = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: /Vera Vikar/ }) }).filter({ hasText: REASON })
  await expect(entry).toHaveCount(1)
  await expect(entry.getByText('Nødtilgang', { exact: true })).toBeVisible()
  await expect(entry.getByText('Uten behandlingsforhold')).toBeVisible()
  await expect(entry).toContainText('Kari Nordmann')
  await expect(entry).toContainText('Ikke vurdert')
  await lookAt(page, 'log-control')
  await entry.getByRole('button', { name: /^Vurder oppføring/ }).click()
  await entry.getByLabel('Notat').fill('Bekreftet med vakthavende: akutt situasjon.')
  await entry.getByRole('button', { name: 'Merk som vurdert' }).click()
  // reviewed: gone from the open ones, shown with its review among the flagged
  await expect(page.getByRole('listitem').filter({ hasText: REASON })).toHaveCount(0)
  await page.getByLabel('Vis', { exact: true }).selectOption('flagged')
  await page.getByRole('button', { name: 'Vis oppføringer' }).click()
  await expect(page.getByRole('listitem').filter({ hasText: REASON }).first()).toContainText('Vurdert av personvern')
  // the filtered log's export and the month's report are downloads (the server logs each)
  const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Eksporter (CSV)' }).click()])
  expect(csv.suggestedFilename()).toMatch(/^tilgangslogg-\d{4}-\d{2}-\d{2}\.csv$/)
  expect(await readFile(await csv.path(), 'utf8')).toContain(REASON)
  const [pdf] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Månedsrapport (PDF)' }).click()])
  expect(pdf.suggestedFilename()).toMatch(/^loggkontroll-\d{4}-\d{2}-oppsummert\.pdf$/)
  expect((await readFile(await pdf.path())).subarray(0, 5).toString()).toBe('%PDF-')
  await page.getByRole('button', { name: 'English' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Log control' })).toBeVisible()
  await expect(page.getByText('Emergency access', { exact: true }).first()).toBeVisible()
  await lookAt(page, 'log-control-en')
  await page.getByRole('button', { name: 'Norsk' }).click()
  await logOut(page)

  // Kari sees who read her data, and why
  // (the patient's own part, issue 25: she lands on her page and follows its link to the access report)
  await page.goto('/login')
  await page.getByLabel('Brukernavn').fill('pasient')
  await page.getByLabel('Passord').fill('demo')
  await page.getByRole('button', { name: 'Logg inn' }).click()
  await expect(page).toHaveURL(/\/min-side/)
  await page.getByRole('navigation').getByRole('link', { name: 'Hvem har sett dataene mine' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Hvem har sett mine data' })).toBeVisible()
  // this spec's access, by its reason (helseid-login.spec.ts breaks the glass for her too, on the same stack)
  const access = page.getByRole('listitem').filter({ hasText: 'Vera Vikar (sykepleier) åpnet nødtilgang til journalen din.' }).filter({ hasText: REASON })
  await expect(access).toHaveCount(1)
  await expect(access).toContainText('Hvorfor: nødtilgang')
  await expect(access).toContainText(`Begrunnelse: «${REASON}»`)
  await lookAt(page, 'access-report')
  await page.getByRole('button', { name: 'English' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Who has seen my data' })).toBeVisible()
  await expect(page.getByRole('listitem').filter({ hasText: 'Vera Vikar (nurse) opened emergency access to your record.' }).filter({ hasText: REASON })).toHaveCount(1)
  await lookAt(page, 'access-report-en')
  await page.getByRole('button', { name: 'Norsk' }).click()
})
