/** Parsed `fields` parameter: name → nested selection (null = the whole value). */
export type FieldSelection = Map<string, FieldSelection | null>;

/** Parses Looker's `fields` syntax: "id,title,folder(id,name)". Returns null when absent or empty. */
export function parseFieldSelection(spec: string | null): FieldSelection | null {
  if (spec === null || spec.trim() === '') return null;
  let pos = 0;
  const parseList = (): FieldSelection => {
    const out: FieldSelection = new Map();
    while (pos < spec.length) {
      const start = pos;
      while (pos < spec.length && !',()'.includes(spec.charAt(pos))) pos++;
      const name = spec.slice(start, pos).trim();
      let nested: FieldSelection | null = null;
      if (spec.charAt(pos) === '(') {
        pos++;
        nested = parseList();
        pos++; // the closing parenthesis
      }
      if (name) out.set(name, nested);
      if (spec.charAt(pos) === ',') {
        pos++;
        continue;
      }
      break; // ')' or end of input
    }
    return out;
  };
  return parseList();
}

/** Keeps only the selected properties (recursively; arrays are filtered element by element). */
export function selectFields(value: unknown, selection: FieldSelection | null): unknown {
  if (selection === null) return value;
  if (Array.isArray(value)) return value.map((v) => selectFields(v, selection));
  if (value === null || typeof value !== 'object') return value;
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [name, nested] of selection) {
    if (name in source) out[name] = selectFields(source[name], nested);
  }
  return out;
}
