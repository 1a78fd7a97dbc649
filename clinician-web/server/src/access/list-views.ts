import { deleteListView, listListViews, saveListView, type StoredListView } from '@varde/db'
import { listViewStateSchema, type ListViewState } from '@varde/api-contract'
import { ERRORS } from '../errors/api-errors.js'
import { hasRole } from './actor.js'
import type { AccessContext } from './context.js'

/** Roles with a patient list to save views of (a patient user has her own page, a service none). */
const LIST_ROLES = ['nurse', 'clinician', 'gp', 'admin', 'privacy-officer']

export interface ListView { id: string; name: string; view: ListViewState; updatedAt: Date }

/**
 * A user's saved views of the patient list (issue 20, migration 0034): the
 * user's own settings, read and written by that user only (every statement
 * keyed by the session's user, behind the tenant wall). A view holds filters
 * and a sort, no patient and no health data, so nothing here is written to
 * the access log (the routes say `access: 'none'`).
 */
export function listViewAccess({ db, actor }: AccessContext) {
  const owner = (): string => {
    if (actor.kind !== 'staff' || actor.userId === null || !hasRole(actor, LIST_ROLES)) throw new ERRORS.listViewsForStaff()
    return actor.userId
  }
  return {
    /** The caller's views, by name; a stored view this portal's schema no longer reads is left out, not an error. */
    async list(): Promise<ListView[]> {
      return (await listListViews(db, actor.tenantId, owner())).flatMap((v) => {
        const parsed = listViewStateSchema.safeParse(v.view)
        return parsed.success ? [{ ...toView(v), view: parsed.data }] : []
      })
    },

    /** Saves under the name (replacing the caller's view of that name); `too-many-views` past the limit. */
    async save(name: string, view: ListViewState): Promise<ListView> {
      const saved = await saveListView(db, actor.tenantId, owner(), name, view)
      if (saved === 'too-many') throw new ERRORS.tooManyViews()
      return { ...toView(saved), view }
    },

    /** Deletes one of the caller's views; another's, or none, is `not-found` alike. */
    async remove(id: string): Promise<void> {
      if (!(await deleteListView(db, actor.tenantId, owner(), id))) throw new ERRORS.listViewNotFound()
    },
  }
}

const toView = (v: StoredListView) => ({ id: v.id, name: v.name, updatedAt: v.updatedAt })
