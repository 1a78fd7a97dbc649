import { render, screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { beforeAll, expect, test } from 'vitest'
import { App } from '../app'
import { session } from '../testing/fixtures'
import { installFakeApi, installFakeEventSource, visit } from '../testing/fake-api'
import { AlertsPage } from './lazy-pages'

// The app loads this page lazily (pages/lazy-pages.ts); its code's first load in jsdom may
// take longer than findBy's 1 s on a busy machine, which is not what these tests are about.
beforeAll(async () => {
  await AlertsPage.preload()
})

function signedOutApi(loginReply: { status: number; body?: unknown }) {
  let isSignedIn = false
  return installFakeApi({
    'GET /api/session': () =>
      isSignedIn
        ? { status: 200, body: session }
        : { status: 401, body: { error: { code: 'unauthorized', message: 'Not logged in' } } },
    'POST /api/session': () => {
      if (loginReply.status === 204) isSignedIn = true
      return loginReply
    },
    'GET /api/patients': { status: 200, body: { items: [] } },
  })
}

test('logging in goes from the login page to where the nurse was going', async () => {
  installFakeEventSource()
  const api = signedOutApi({ status: 204 })
  visit('/alerts')
  render(<App />)

  const username = await screen.findByLabelText('Brukernavn')
  // the login form may render a moment before the address is rewritten to /login
  await waitFor(() => expect(window.location.pathname).toBe('/login'))
  await waitFor(() => expect(document.activeElement).toBe(username))
  expect(document.documentElement.lang).toBe('nb')

  const user = userEvent.setup()
  await user.type(username, 'sykepleier')
  await user.type(screen.getByLabelText('Passord'), 'demo')
  await user.click(screen.getByRole('button', { name: 'Logg inn' }))

  expect(await screen.findByRole('heading', { level: 1, name: 'Varsler' })).toBeTruthy()
  expect(window.location.pathname).toBe('/alerts')
  expect(api.calls('POST /api/session')[0]?.body).toEqual({
    username: 'sykepleier',
    password: 'demo',
  })
  expect(screen.getByText('Demo kommune')).toBeTruthy()
  expect(screen.getByText('Sara Sykepleier')).toBeTruthy()
  expect(screen.getByRole('button', { name: 'Logg ut' })).toBeTruthy()
})

test('a wrong password is refused with a clear message and the cursor back in the password field', async () => {
  signedOutApi({
    status: 401,
    body: { error: { code: 'invalid-credentials', message: 'Feil brukernavn eller passord.' } },
  })
  render(<App />)
  const user = userEvent.setup()
  await user.type(await screen.findByLabelText('Brukernavn'), 'sykepleier')
  await user.type(screen.getByLabelText('Passord'), 'feil')
  await user.click(screen.getByRole('button', { name: 'Logg inn' }))

  expect((await screen.findByRole('alert')).textContent).toBe('Feil brukernavn eller passord.')
  const password = screen.getByLabelText<HTMLInputElement>('Passord')
  expect(password.value).toBe('')
  expect(document.activeElement).toBe(password)
  expect(password.getAttribute('aria-invalid')).toBe('true')
  expect(window.location.pathname).toBe('/login')
})

test('too many attempts says to wait, not that the password is wrong', async () => {
  signedOutApi({
    status: 429,
    body: { error: { code: 'too-many-attempts', message: 'For mange mislykkede forsøk.' } },
  })
  render(<App />)
  const user = userEvent.setup()
  await user.type(await screen.findByLabelText('Brukernavn'), 'sykepleier')
  await user.type(screen.getByLabelText('Passord'), 'demo')
  await user.click(screen.getByRole('button', { name: 'Logg inn' }))

  expect((await screen.findByRole('alert')).textContent).toMatch(
    /For mange mislykkede forsøk\. Vent/,
  )
})

test('an empty form is caught before asking the server', async () => {
  const api = signedOutApi({ status: 204 })
  render(<App />)
  const user = userEvent.setup()
  await screen.findByLabelText('Brukernavn')
  await user.click(screen.getByRole('button', { name: 'Logg inn' }))
  expect((await screen.findByRole('alert')).textContent).toBe(
    'Fyll inn både brukernavn og passord.',
  )
  expect(api.calls('POST /api/session')).toHaveLength(0)
  expect(document.activeElement).toBe(screen.getByLabelText('Brukernavn'))
})

test('the login page speaks English when chosen, and remembers it', async () => {
  signedOutApi({ status: 204 })
  render(<App />)
  const user = userEvent.setup()
  await screen.findByLabelText('Brukernavn')
  await user.click(screen.getByRole('button', { name: 'English' }))
  expect(screen.getByRole('heading', { level: 1, name: 'Log in' })).toBeTruthy()
  expect(screen.getByLabelText('Username')).toBeTruthy()
  expect(document.documentElement.lang).toBe('en')
  expect(window.localStorage.getItem('varde.language')).toBe('en')
})

test('a session that ends mid-shift sends the nurse to log in again, and back afterwards', async () => {
  installFakeEventSource()
  let isSignedIn = true
  installFakeApi({
    'GET /api/session': () =>
      isSignedIn
        ? { status: 200, body: session }
        : { status: 401, body: { error: { code: 'unauthorized', message: '' } } },
    'GET /api/patients': () => {
      isSignedIn = false
      return { status: 401, body: { error: { code: 'unauthorized', message: 'Session expired' } } }
    },
  })
  visit('/')
  render(<App />)
  expect(
    await screen.findByText('Økten er avsluttet. Logg inn på nytt for å fortsette.'),
  ).toBeTruthy()
  expect(window.location.pathname).toBe('/login')
  expect(screen.getByLabelText('Brukernavn')).toBeTruthy()
})

test('Logg ut ends the session on the server and returns to the login page', async () => {
  installFakeEventSource()
  const api = installFakeApi({
    'GET /api/session': { status: 200, body: session },
    'GET /api/patients': { status: 200, body: { items: [] } },
    'DELETE /api/session': { status: 204 },
  })
  render(<App />)
  await userEvent.setup().click(await screen.findByRole('button', { name: 'Logg ut' }))
  expect(await screen.findByRole('heading', { level: 1, name: 'Logg inn' })).toBeTruthy()
  expect(api.calls('DELETE /api/session')).toHaveLength(1)
  expect(window.location.pathname).toBe('/login')
  expect(screen.queryByText(/Økten er avsluttet/)).toBeNull()
})

test('offers HelseID beside the password form, and says why a HelseID login was refused', async () => {
  installFakeApi({
    'GET /api/session': { status: 401, body: { error: { code: 'unauthenticated', message: 'Log in to continue.' } } },
    'GET /api/login-options': { status: 200, body: { helseId: { isDemo: true } } },
  })
  // where the server sends the browser back after HelseID refused the login (issue 24)
  visit('/login?error=security-level-too-low')
  render(<App />)
  const helseId = await screen.findByRole('link', { name: 'Logg inn med HelseID (demo)' })
  expect(helseId.getAttribute('href')).toBe('/api/session/helseid')
  expect(screen.getByRole('alert').textContent).toBe('Innloggingen hadde for lavt sikkerhetsnivå. Logg inn med BankID, Buypass eller Commfides (nivå 4).')
})

test('offers patients ID-porten, and says in plain words why an ID-porten login was refused (issue 25)', async () => {
  installFakeApi({
    'GET /api/session': { status: 401, body: { error: { code: 'unauthenticated', message: 'Log in to continue.' } } },
    'GET /api/login-options': { status: 200, body: { helseId: { isDemo: true }, idPorten: { isDemo: true } } },
  })
  visit('/login?error=idporten-level-too-low')
  render(<App />)
  const idPorten = await screen.findByRole('link', { name: 'Logg inn med ID-porten (demo)' })
  expect(idPorten.getAttribute('href')).toBe('/api/session/idporten')
  expect(screen.getByText('Er du pasient? Logg inn med BankID gjennom ID-porten.')).toBeTruthy()
  expect(screen.getByRole('alert').textContent).toBe('Du må logge inn med BankID, Buypass eller Commfides for å se helseopplysninger (MinID holder ikke).')
})
