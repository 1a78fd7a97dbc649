import { expect, test } from '@playwright/test'

// Issue 23: the Node-RED editor loads at /flows/ for the tenant's
// administrator, after Varde's login, with Varde's nodes in its palette; a
// nurse's session gets 403 there.
test('the flow editor at /flows/ for the administrator, with the Varde nodes in the palette', async ({ page }) => {
  await page.goto('/')
  await page.getByLabel('Brukernavn').fill('admin')
  await page.getByLabel('Passord').fill('demo')
  await page.getByRole('button', { name: 'Logg inn' }).click()
  await expect(page.getByRole('heading', { name: 'Pasienter' })).toBeVisible()

  await page.goto('/flows/')
  await expect(page).toHaveTitle('Varde – flyter')
  // the palette's Varde category, each node by its type
  for (const type of ['varde-reading-in', 'varde-alert-in', 'varde-raise-alert', 'varde-forward', 'varde-patient-lookup']) {
    await expect(page.locator(`.red-ui-palette-node[data-palette-type="${type}"]`)).toBeVisible()
  }
  // the host-reaching core nodes are not there
  await expect(page.locator('.red-ui-palette-node[data-palette-type="exec"]')).toHaveCount(0)
  await expect(page.locator('.red-ui-palette-node[data-palette-type="file"]')).toHaveCount(0)
  await page.screenshot({ path: 'test-results/flows-editor.png' })
})

test('a nurse\'s session cannot open the editor', async ({ page }) => {
  await page.goto('/')
  await page.getByLabel('Brukernavn').fill('sykepleier')
  await page.getByLabel('Passord').fill('demo')
  await page.getByRole('button', { name: 'Logg inn' }).click()
  await expect(page.getByRole('heading', { name: 'Pasienter' })).toBeVisible()
  const response = await page.goto('/flows/')
  expect(response?.status()).toBe(403)
})
