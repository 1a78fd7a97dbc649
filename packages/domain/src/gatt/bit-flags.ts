/**
 * Status bit fields of the health profiles as lists of names: `names[i]`
 * names bit i; null marks a bit reserved for future use (ignored on read).
 */
export function decodeBitFlags<T extends string>(value: number, names: readonly (T | null)[]): T[] {
  const set: T[] = []
  names.forEach((name, bit) => {
    if (name !== null && Math.floor(value / 2 ** bit) % 2 === 1) set.push(name)
  })
  return set
}

export function encodeBitFlags<T extends string>(
  flags: readonly T[],
  names: readonly (T | null)[],
): number {
  let value = 0
  names.forEach((name, bit) => {
    if (name !== null && flags.includes(name)) value += 2 ** bit
  })
  return value
}
