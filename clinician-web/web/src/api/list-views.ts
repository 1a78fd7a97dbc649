import type { ListViewState, SavedListView } from '@varde/api-contract'
import { requestJson } from './http'

/** GET /api/list-views: the user's own saved views of the patient list, by name. */
export async function listSavedViews(signal?: AbortSignal): Promise<SavedListView[]> {
  const body = await requestJson<{ items: SavedListView[] }>(
    'GET',
    '/api/list-views',
    signal ? { signal } : {},
  )
  return body.items
}

/** POST /api/list-views: saves under the name, replacing the user's view of that name (409 `too-many-views`). */
export function saveView(name: string, view: ListViewState): Promise<SavedListView> {
  return requestJson<SavedListView>('POST', '/api/list-views', { body: { name, view } })
}

/** DELETE /api/list-views/:id */
export function deleteView(id: string): Promise<void> {
  return requestJson<void>('DELETE', `/api/list-views/${encodeURIComponent(id)}`)
}
