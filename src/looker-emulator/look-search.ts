type LookJson = Record<string, unknown>;

export interface SearchOutcome {
  items: LookJson[];
  total: number;
  /** Present when the request asked for a page (`limit` or `per_page`): drives the Link header. */
  page: { limit: number; offset: number } | null;
}

export class SearchInputError extends Error {}

const SORTABLE = new Set([
  'title', 'user_id', 'id', 'created_at', 'space_id', 'folder_id', 'description', 'updated_at', 'last_updater_id',
  'view_count', 'favorite_count', 'content_favorite_id', 'deleted', 'deleted_at', 'last_viewed_at',
  'last_accessed_at', 'query_id', 'certification_status',
]);

const LIKE_FIELDS = ['title', 'description'] as const;
const LIST_FIELDS = ['id', 'folder_id', 'user_id', 'query_id', 'content_favorite_id', 'view_count'] as const;

/** SQL LIKE, case-insensitive: % = any run, _ = one character; no wildcard = whole-value match. */
function likeMatcher(pattern: string): (v: string) => boolean {
  const source = [...pattern]
    .map((ch) => (ch === '%' ? '.*' : ch === '_' ? '.' : ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  const re = new RegExp(`^${source}$`, 'is');
  return (v) => re.test(v);
}

function nullCheck(raw: string): ((v: unknown) => boolean) | undefined {
  const upper = raw.trim().toUpperCase();
  if (upper === 'IS NULL') return (v) => v === null || v === undefined;
  if (upper === 'NOT NULL') return (v) => v !== null && v !== undefined;
  return undefined;
}

function parseBool(name: string, raw: string | null): boolean | undefined {
  if (raw === null) return undefined;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new SearchInputError(`${name} must be true or false`);
}

function parseNonNegativeInt(name: string, raw: string | null): number | undefined {
  if (raw === null) return undefined;
  if (!/^\d+$/.test(raw.trim())) throw new SearchInputError(`${name} must be a non-negative integer`);
  return Number(raw);
}

function buildPredicates(query: URLSearchParams): ((look: LookJson) => boolean)[] {
  const predicates: ((look: LookJson) => boolean)[] = [];
  for (const field of LIKE_FIELDS) {
    const raw = query.get(field);
    if (raw === null) continue;
    const isNull = nullCheck(raw);
    const like = likeMatcher(raw);
    predicates.push(isNull ? (l) => isNull(l[field]) : (l) => typeof l[field] === 'string' && like(l[field]));
  }
  for (const field of LIST_FIELDS) {
    const raw = query.get(field);
    if (raw === null) continue;
    const isNull = nullCheck(raw);
    const wanted = new Set(raw.split(',').map((s) => s.trim()));
    predicates.push(isNull ? (l) => isNull(l[field]) : (l) => wanted.has(String(scalar(l[field]))));
  }
  return predicates;
}

/** Look properties we sort on are strings, numbers, booleans or null. */
function scalar(v: unknown): string | number | null {
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return null;
}

function compareScalars(x: string | number | null, y: string | number | null, numericIds: boolean): number {
  if (x === null || y === null) return x === y ? 0 : x === null ? -1 : 1;
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  if (numericIds && /^\d+$/.test(String(x)) && /^\d+$/.test(String(y))) return Number(x) - Number(y);
  return String(x).localeCompare(String(y), 'en', { sensitivity: 'base' });
}

function compareLooks(sorts: { field: string; desc: boolean }[]) {
  return (a: LookJson, b: LookJson): number => {
    for (const { field, desc } of sorts) {
      const c = compareScalars(scalar(a[field]), scalar(b[field]), field.endsWith('id'));
      if (c !== 0) return desc ? -c : c;
    }
    return 0;
  };
}

function parseSorts(raw: string | null): { field: string; desc: boolean }[] {
  if (raw === null || raw.trim() === '') return [{ field: 'id', desc: false }];
  return raw.split(',').map((part) => {
    const [name = '', dir = 'asc', ...rest] = part.trim().split(/\s+/);
    if (!SORTABLE.has(name) || rest.length > 0 || !['asc', 'desc'].includes(dir.toLowerCase())) {
      throw new SearchInputError(`Invalid sort '${part.trim()}'`);
    }
    return { field: name === 'space_id' ? 'folder_id' : name, desc: dir.toLowerCase() === 'desc' };
  });
}

/** search_looks semantics over serialized Looks (soft-deleted Looks only with deleted=true). */
export function searchLooks(all: LookJson[], query: URLSearchParams): SearchOutcome {
  const deleted = parseBool('deleted', query.get('deleted')) ?? false;
  const filterOr = parseBool('filter_or', query.get('filter_or')) ?? false;
  parseBool('curate', query.get('curate'));
  const predicates = buildPredicates(query);
  const sorts = parseSorts(query.get('sorts'));
  const matched = all
    .filter((l) => l.deleted === deleted)
    .filter((l) => predicates.length === 0 || (filterOr ? predicates.some((p) => p(l)) : predicates.every((p) => p(l))))
    .sort(compareLooks(sorts));

  // limit/offset win over the deprecated page/per_page.
  let limit = parseNonNegativeInt('limit', query.get('limit'));
  let offset = parseNonNegativeInt('offset', query.get('offset'));
  const perPage = parseNonNegativeInt('per_page', query.get('per_page'));
  const pageNumber = parseNonNegativeInt('page', query.get('page'));
  if (limit === undefined && perPage !== undefined) {
    limit = perPage;
    if (offset === undefined && pageNumber !== undefined) offset = Math.max(0, pageNumber - 1) * perPage;
  }
  const start = offset ?? 0;
  const items = limit === undefined ? matched.slice(start) : matched.slice(start, start + limit);
  return { items, total: matched.length, page: limit === undefined ? null : { limit, offset: start } };
}

/** GitHub-style Link header as Looker sends it on paged responses (first always; last when total is known). */
export function pagingLinks(requestUrl: URL, page: { limit: number; offset: number }, total: number): string {
  const link = (offset: number, rel: string) => {
    const url = new URL(requestUrl);
    url.searchParams.delete('page');
    url.searchParams.delete('per_page');
    url.searchParams.set('limit', String(page.limit));
    url.searchParams.set('offset', String(offset));
    return `<${url.toString()}>; rel="${rel}"`;
  };
  const links = [link(0, 'first')];
  if (page.limit > 0) {
    const lastOffset = total === 0 ? 0 : Math.floor((total - 1) / page.limit) * page.limit;
    links.push(link(lastOffset, 'last'));
    if (page.offset + page.limit < total) links.push(link(page.offset + page.limit, 'next'));
    if (page.offset > 0) links.push(link(Math.max(0, page.offset - page.limit), 'prev'));
  }
  return links.join(', ');
}
