import { QueryClientProvider } from '@tanstack/react-query'
import { render, screen } from '@testing-library/react'
import { MemoryRouter, Route, Routes } from 'react-router'
import { expect, test } from 'vitest'
import { createQueryClient } from '../app'
import { I18nProvider } from '../i18n/i18n'
import { session } from '../testing/fixtures'
import { installFakeApi } from '../testing/fake-api'
import { RequireRole, RequireSession } from './guards'
import { SessionProvider } from './session-context'

/** A page for administrators only, as the ones to come will be placed. */
function renderAdminPage(role: 'nurse' | 'admin' | null) {
  installFakeApi({
    'GET /api/session':
      role === null
        ? { status: 401, body: { error: { code: 'unauthenticated', message: '' } } }
        : { status: 200, body: { ...session, user: { ...session.user, role } } },
  })
  render(
    <QueryClientProvider client={createQueryClient()}>
      <I18nProvider>
        <MemoryRouter initialEntries={['/admin/gateways']}>
          <SessionProvider>
            <Routes>
              <Route path="/login" element={<h1>Logg inn-siden</h1>} />
              <Route element={<RequireSession />}>
                <Route element={<RequireRole roles={['admin']} />}>
                  <Route path="/admin/gateways" element={<h1>Basestasjoner</h1>} />
                </Route>
              </Route>
            </Routes>
          </SessionProvider>
        </MemoryRouter>
      </I18nProvider>
    </QueryClientProvider>,
  )
}

test('a page under RequireRole is shown to its role', async () => {
  renderAdminPage('admin')
  expect(await screen.findByRole('heading', { name: 'Basestasjoner' })).toBeTruthy()
})

test('to another role it does not exist, as the server answers', async () => {
  renderAdminPage('nurse')
  expect(await screen.findByRole('heading', { name: 'Fant ikke siden' })).toBeTruthy()
  expect(screen.queryByRole('heading', { name: 'Basestasjoner' })).toBeNull()
})

test('without a session it sends the caller to log in', async () => {
  renderAdminPage(null)
  expect(await screen.findByRole('heading', { name: 'Logg inn-siden' })).toBeTruthy()
})
