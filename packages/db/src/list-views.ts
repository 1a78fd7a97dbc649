import type { Queryable } from './pool.js'
import { isUuid } from './patients.js'

/** A user's saved view of the patient list (migration 0034): a name and the list's filters and sort. */
export interface StoredListView {
  id: string
  name: string
  view: unknown
  updatedAt: Date
}

/** How many views one user may keep: a list to pick from, not a store. */
export const MAX_LIST_VIEWS = 30

interface Row { id: string; name: string; view: unknown; updated_at: Date }
const toView = (r: Row): StoredListView => ({ id: r.id, name: r.name, view: r.view, updatedAt: r.updated_at })

export async function listListViews(db: Queryable, tenantId: string, userId: string): Promise<StoredListView[]> {
  const { rows } = await db.query<Row>(
    'SELECT id, name, view, updated_at FROM saved_list_views WHERE tenant_id = $1 AND user_id = $2 ORDER BY lower(name), name',
    [tenantId, userId],
  )
  return rows.map(toView)
}

/**
 * Saves the view under its name, replacing the user's view of that name, in
 * one statement; `too-many` when the user has MAX_LIST_VIEWS others already.
 */
export async function saveListView(
  db: Queryable, tenantId: string, userId: string, name: string, view: unknown,
): Promise<StoredListView | 'too-many'> {
  const { rows } = await db.query<Row>(
    `INSERT INTO saved_list_views (tenant_id, user_id, name, view)
     SELECT $1, $2, $3, $4::jsonb
      WHERE (SELECT count(*) FROM saved_list_views WHERE tenant_id = $1 AND user_id = $2 AND name <> $3) < $5
     ON CONFLICT (tenant_id, user_id, name) DO UPDATE SET view = EXCLUDED.view, updated_at = now()
     RETURNING id, name, view, updated_at`,
    [tenantId, userId, name, JSON.stringify(view), MAX_LIST_VIEWS],
  )
  return rows[0] ? toView(rows[0]) : 'too-many'
}

/** Deletes one of the user's own views; false when the user has none with this id. */
export async function deleteListView(db: Queryable, tenantId: string, userId: string, id: string): Promise<boolean> {
  if (!isUuid(id)) return false
  const { rowCount } = await db.query('DELETE FROM saved_list_views WHERE tenant_id = $1 AND user_id = $2 AND id = $3', [tenantId, userId, id])
  return (rowCount ?? 0) > 0
}
