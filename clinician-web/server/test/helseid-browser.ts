import { expect } from 'vitest'

/**
 * A browser as far as a login needs one, over real HTTP: follows redirects
 * across the app and the provider, keeps each origin's cookies, posts a
 * form. No JavaScript: what a page's script would do, the test does.
 */
export class TestBrowser {
  private readonly jars = new Map<string, Map<string, string>>()

  cookieHeader(url: URL): string {
    return [...(this.jars.get(url.host) ?? new Map<string, string>())].map(([k, v]) => `${k}=${v}`).join('; ')
  }

  cookie(url: string, name: string): string | undefined {
    return this.jars.get(new URL(url).host)?.get(name)
  }

  async request(url: URL, init: { method?: string; form?: Record<string, string>; json?: unknown } = {}): Promise<Response> {
    const res = await fetch(url, {
      method: init.method ?? 'GET', redirect: 'manual',
      headers: {
        cookie: this.cookieHeader(url),
        ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(init.form ? { body: new URLSearchParams(init.form).toString() } : {}), ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
    })
    const jar = this.jars.get(url.host) ?? new Map<string, string>()
    this.jars.set(url.host, jar)
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';')
      const at = pair.indexOf('=')
      const name = pair.slice(0, at).trim()
      const isGone = attributes.some((a) => /^\s*(max-age=0|expires=thu, 01 jan 1970)/i.test(a)) || pair.slice(at + 1) === ''
      if (isGone) jar.delete(name)
      else jar.set(name, pair.slice(at + 1))
    }
    return res
  }

  /** Follows redirects from `url` until a page answers, or the app sends the browser to one of its own pages (`stopAt`). */
  async follow(start: URL, stopAt: (url: URL) => boolean, init: { method?: string; form?: Record<string, string> } = {}): Promise<{ url: URL; res: Response | null }> {
    let url = start
    let res = await this.request(url, init)
    for (let hops = 0; hops < 20; hops += 1) {
      const location = res.headers.get('location')
      if (res.status < 300 || res.status >= 400 || !location) return { url, res }
      await res.body?.cancel()
      url = new URL(location, url)
      if (stopAt(url)) return { url, res: null }
      res = await this.request(url)
    }
    throw new Error(`too many redirects, last at ${url.href}`)
  }
}

/** Logs in at the stand-in's page as `login`, from the app's HelseID start; where the app sends the browser at the end. */
export function helseIdLogin(browser: TestBrowser, appUrl: string, login: string, query = ''): Promise<URL> {
  return standInLogin(browser, appUrl, `/api/session/helseid${query}`, login)
}

/** Logs in at a stand-in's page (HelseID's or ID-porten's, the same form) as `login`, from the app's `start`; where the app sends the browser at the end. */
export async function standInLogin(browser: TestBrowser, appUrl: string, start: string, login: string): Promise<URL> {
  const app = new URL(appUrl)
  const isAppPage = (u: URL) => u.host === app.host && !u.pathname.startsWith('/api/')
  const toForm = await browser.follow(new URL(start, app), isAppPage)
  if (!toForm.res) return toForm.url // refused before the provider (not configured, unavailable)
  const page = await toForm.res.text()
  expect(toForm.res.status, page).toBe(200)
  const action = /<form method="post" action="([^"]+)"/.exec(page)?.[1]
  if (!action) throw new Error(`no login form at ${toForm.url.href}: ${page.slice(0, 300)}`)
  const done = await browser.follow(new URL(action, toForm.url), isAppPage, { method: 'POST', form: { login } })
  if (done.res) throw new Error(`login ended on ${done.url.href} (${done.res.status}): ${(await done.res.text()).slice(0, 300)}`)
  return done.url
}
