/** What a dataloader's `loadMany` answered, minus the missing values; a loader error is raised rather than hidden. */
export function present<T>(xs: (T | undefined | Error)[]): T[] {
  const err = xs.find((x): x is Error => x instanceof Error);
  if (err) throw err;
  return xs.filter((x): x is T => x !== undefined);
}
