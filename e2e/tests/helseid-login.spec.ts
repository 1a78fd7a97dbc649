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
