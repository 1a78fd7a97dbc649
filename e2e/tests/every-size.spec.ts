import AxeBuilder from '@axe-core/playwright'
import { expect, test, type Page } from '@playwright/test'

// Issue 20: every page of the portal at every size a nurse meets it (a desk
// at 1366 and 1024, a tablet at 820 in portrait and 1180 x 820 in landscape,
// a phone on call at 390) scrolls only downwards, never sideways, draws
// nothing over anything else in its header, is axe-clean, and on a tablet or
// a phone its controls are at least 44 px to touch. One stack and one browser
// context for the whole walk (CI budget: the viewport is resized, not a
// context made per size); screenshots land in test-results/every-size-*.png
// to be looked at. The pages that show no seeded or live data (login, not
// found) are compared pixel by pixel with committed snapshots as well; the
// others are not: their content is the demo seed's (reworked in parallel,
// issue 20) and the clock's, so a snapshot would test the seed, not the layout.
// (`isScanned`: axe and a screenshot to look at, at the tablet in portrait and the phone, as before: axe and
// full-page screenshots are most of the walk's time, and CI's budget allows the layout checks at the three new
// sizes, not axe there too; axe's rules seldom change with the width, the layout's do)
const SIZES = [
  { width: 1366, height: 768, isScanned: false },
  { width: 1024, height: 768, isScanned: false },
  { width: 1180, height: 820, isScanned: false },
  { width: 820, height: 1180, isScanned: true },
  { width: 390, height: 844, isScanned: true },
] as const
/** The touch-target rule is checked where the brief and WCAG 2.5.5 ask it of this portal: a tablet in portrait and a phone. */
const TOUCH_WIDTHS: readonly number[] = [820, 390]
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
    // nothing drawn over anything else in a header: the product name, the tenant, the links, the live status,
    // the language switch, the user and the log-out button each have their own box (at 390 px the language
    // switch once covered the product name)
    for (const header of Array.from(document.querySelectorAll('header'))) {
      const parts = Array.from(header.querySelectorAll<HTMLElement>('a, button, p, [role="status"], .top-bar__live'))
        .filter((el) => !el.closest('.visually-hidden, .skip-link') && el.getClientRects().length > 0)
      for (const [i, a] of parts.entries()) {
        for (const b of parts.slice(i + 1)) {
          if (a.contains(b) || b.contains(a)) continue
          const ra = a.getBoundingClientRect()
          const rb = b.getBoundingClientRect()
          const x = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left)
          const y = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top)
          if (x > 1 && y > 1) out.push(`in the header "${a.textContent?.trim().slice(0, 20)}" and "${b.textContent?.trim().slice(0, 20)}" overlap`)
        }
      }
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

/** Live values (times "3 min ago", the live status) are masked in pixel snapshots. */
const LIVE = ['time', '.top-bar__live', '[role="status"]']

async function walk(page: Page, name: string, options: { isPixelCompared?: boolean } = {}): Promise<void> {
  // measured once the page has its data: an empty page always fits
  await expect(page.locator('[aria-busy="true"]')).toHaveCount(0)
  for (const { width, height, isScanned } of SIZES) {
    const size = `${width}x${height}`
    await page.setViewportSize({ width, height })
    // the layout settles on the resize event (charts measure their width)
    await expect.soft.poll(() => overflowing(page), { message: `${name} at ${size} scrolls sideways or draws over`, timeout: 3_000 }).toEqual([])
    if (TOUCH_WIDTHS.includes(width)) expect.soft(await smallTargets(page), `${name} at ${size}: touch targets under 44 px`).toEqual([])
    if (isScanned) expect.soft((await scan(page)).violations, `${name} at ${size}: axe`).toEqual([])
    if (options.isPixelCompared) {
      await expect.soft(page).toHaveScreenshot(`${name}-${size}.png`, { fullPage: true, mask: LIVE.map((s) => page.locator(s)), animations: 'disabled', caret: 'hide', maxDiffPixelRatio: 0.01 })
    } else if (isScanned) {
      await page.screenshot({ path: `test-results/every-size-${name}-${size}.png`, fullPage: true })
    }
  }
  await page.setViewportSize({ width: 1024, height: 768 })
}

test('every page fits at 1366, 1024, 1180 x 820, 820 and 390 px: no sideways scroll, nothing drawn over, axe-clean, 44 px targets on touch', async ({ page }) => {
  test.setTimeout(240_000)
  await page.goto('/login')
  await expect(page.getByLabel('Brukernavn')).toBeVisible()
  await walk(page, 'login', { isPixelCompared: true })

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
  await page.getByRole('navigation').getByRole('link', { name: 'Vakt' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Vakt' })).toBeVisible()
  await walk(page, 'shift')
  await page.goto('/finnes-ikke')
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible()
  await walk(page, 'not-found', { isPixelCompared: true })
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
