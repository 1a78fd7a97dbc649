/**
 * `fn` over `items`, at most `limit` at a time, the results in the order of
 * `items`. The route walks send hundreds of independent requests: one at a
 * time, each waited for the server's and the database's turn in full, while
 * a few in flight keep both busy (on the real PostgreSQL server, its own
 * process; in PGlite, the wire gate's queue).
 */
export async function inParallel<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++
      results[index] = await fn(items[index]!, index)
    }
  }))
  return results
}
