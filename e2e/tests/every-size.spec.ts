import AxeBuilder from '@axe-core/playwright'
import { expect, test, type Page } from '@playwright/test'

// Issue 20: every page of the portal at a tablet in portrait (820 px) and a
// phone (390 px) scrolls only downwards, never sideways, is axe-clean, and its
// controls are at least 44 px to touch. One stack for the whole walk (CI
// budget); screenshots land in test-results/every-size-*.png to be looked at.
const WIDTHS = [820, 390] as const
const scan = (page: Page) => new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze()

async function logIn(page: Page, username: string): Promise<void> {
  await page.goto('/login')
  await page.getByLabel('Brukernavn').fill(username)
  await page.getByLabel('Passord').fill('demo')
  await page.getByRole('button', { name: 'Logg inn' }).click()
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible()
}

async function logOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: /Logg ut|Log out/ }).click()
  await expect(page.getByLabel('Brukernavn')).toBeVisible()
}

/**
 * What spills over the right edge, named so a failure says which: the page
 * scrolling sideways, and also content cut off inside a clipping or scrolling
 * box (a table wider than its card is as unreadable as a page that scrolls),
 * and the product name hidden under the top bar's tools.
 */
async function overflowing(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = window.innerWidth
    const out: string[] = []
    if (document.documentElement.scrollWidth > width) out.push(`scrollWidth=${document.documentElement.scrollWidth} > ${width}`)
    for (const el of Array.from(document.querySelectorAll<HTMLElement>('body *'))) {
      if (el.closest('.visually-hidden, .skip-link')) continue
      const r = el.getBoundingClientRect()
      if (r.width > 0 && r.height > 0 && r.right > width + 0.5) out.push(`${el.tagName.toLowerCase()}.${el.className} right=${Math.round(r.right)}`)
    }
    // cut off inside a box that clips or scrolls sideways (ellipsis is a deliberate cut, and says so)
    for (const el of Array.from(document.querySelectorAll<HTMLElement>('body *'))) {
      const style = getComputedStyle(el)
      // (a 1 px clipped box is the visually-hidden pattern: text for screen readers only)
      if (style.overflowX === 'visible' || style.textOverflow === 'ellipsis' || el.clientWidth <= 1 || el.closest('.visually-hidden')) continue
      if (el.scrollWidth > el.clientWidth + 1) out.push(`${el.tagName.toLowerCase()}.${el.className} cuts off ${el.scrollWidth - el.clientWidth} px`)
    }
    const product = document.querySelector('.top-bar__product')?.getBoundingClientRect()
    const tools = document.querySelector('.top-bar__tools')?.getBoundingClientRect()
    if (product && tools && product.right > tools.left && product.bottom > tools.top && product.top < tools.bottom) {
      out.push('the top bar\'s tools cover the product name')
    }
    return out.slice(0, 10)
  })
}

/** Buttons, links styled as buttons and fields that are smaller than 44 px high. */
async function smallTargets(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLElement>('button, .button, input:not([type=checkbox]):not([type=radio]), select'))
      .filter((el) => {
        const r = el.getBoundingClientRect()
        return r.width > 0 && r.height > 0 && r.height < 44 && !el.closest('.visually-hidden')
      })
      .map((el) => `${el.tagName.toLowerCase()} "${(el.textContent ?? el.getAttribute('aria-label') ?? '').trim().slice(0, 30)}" h=${Math.round(el.getBoundingClientRect().height)}`),
  )
}

async function walk(page: Page, name: string): Promise<void> {
  // measured once the page has its data: an empty page always fits
  await expect(page.locator('[aria-busy="true"]')).toHaveCount(0)
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 })
    // the layout settles on the resize event (charts measure their width)
    await expect.soft.poll(() => overflowing(page), { message: `${name} at ${width} px scrolls sideways`, timeout: 3_000 }).toEqual([])
    expect.soft(await smallTargets(page), `${name} at ${width} px: touch targets under 44 px`).toEqual([])
    expect.soft((await scan(page)).violations, `${name} at ${width} px: axe`).toEqual([])
    await page.screenshot({ path: `test-results/every-size-${name}-${width}.png`, fullPage: true })
  }
  await page.setViewportSize({ width: 1024, height: 768 })
}

test('every page fits at 820 and 390 px without sideways scroll, axe-clean, with 44 px targets', async ({ page }) => {
  test.setTimeout(180_000)
  await page.goto('/login')
  await expect(page.getByLabel('Brukernavn')).toBeVisible()
  await walk(page, 'login')

  await logIn(page, 'sykepleier')
  await expect(page.getByRole('heading', { level: 1, name: 'Pasienter' })).toBeVisible()
  await walk(page, 'patients')
  await page.getByRole('link', { name: /Kari Nordmann/ }).first().click()
  await expect(page.getByRole('heading', { level: 1, name: 'Kari Nordmann' })).toBeVisible()
  await expect(page.getByTestId('patient-rules').getByRole('table').first()).toBeVisible()
  await walk(page, 'patient')
  await page.getByRole('link', { name: 'Varsler' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Varsler' })).toBeVisible()
  await walk(page, 'alerts')
  await page.goto('/finnes-ikke')
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible()
  await walk(page, 'not-found')
  await logOut(page)

  await logIn(page, 'admin')
  for (const [link, name] of [
    ['Basestasjoner', 'admin-gateways'],
    ['Brukere', 'admin-users'],
    ['Skriv inn pasient', 'enrol'],
    ['Videresendinger', 'deliveries'],
  ] as const) {
    await page.getByRole('navigation').getByRole('link', { name: link }).click()
    await expect(page).toHaveURL(/\/admin\//)
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible()
    await walk(page, name)
  }
  await logOut(page)

  await logIn(page, 'personvern')
  await page.getByRole('link', { name: 'Loggkontroll' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Loggkontroll' })).toBeVisible()
  await walk(page, 'log-control')
  await logOut(page)

  // the patient's own part (issue 25): its own layout, her page and who has seen her data
  await logIn(page, 'pasient')
  await expect(page).toHaveURL(/\/min-side/)
  await walk(page, 'my-page')
  await page.getByRole('navigation').getByRole('link', { name: 'Hvem har sett dataene mine' }).click()
  await expect(page).toHaveURL(/\/my-access-log/)
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible()
  await walk(page, 'access-report')
})
