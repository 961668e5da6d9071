/** Serializes rows in batches so a 100k-row result becomes ~hundreds of writes, not 100k. */
export function* rowChunks(count: number, render: (index: number) => string, separator: string, batch = 500): Generator<string> {
  for (let start = 0; start < count; start += batch) {
    const end = Math.min(count, start + batch);
    const parts = new Array<string>(end - start);
    for (let i = start; i < end; i++) parts[i - start] = render(i);
    yield (start === 0 ? '' : separator) + parts.join(separator);
  }
}
