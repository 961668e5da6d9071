/**
 * Hostile requests generated from the API's own OpenAPI document: for each operation, fast-check
 * arbitraries that start from what the schema allows and break it in the ways attackers and
 * broken clients do (unicode, NUL bytes, huge numbers, deep nesting, duplicate keys, wrong types
 * and content types, oversized bodies, path tricks in ids).
 *
 * Safety: no generated value may make the service contact a host outside loopback. Strings that
 * reach an `apiEndpoint` are therefore built from hosts that never leave the machine (names under
 * `.invalid`, which the SSRF guard answers without DNS, loopback addresses, the emulator), and the
 * test's dispatcher refuses anything else (see hostile-input.test.ts).
 */
import fc from 'fast-check';

export interface JsonSchema {
  $ref?: string;
  type?: string;
  enum?: unknown[];
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  nullable?: boolean;
  example?: unknown;
}

export interface Operation {
  method: string;
  /** OpenAPI form, e.g. /v1/metrics/{id}. */
  path: string;
  parameters: { name: string; in: 'path' | 'query'; schema: JsonSchema }[];
  body?: JsonSchema;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, { parameters?: Operation['parameters']; requestBody?: { content: Record<string, { schema: JsonSchema }> } }>>;
  components: { schemas: Record<string, JsonSchema> };
}

export interface HostileRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** What was generated, for the failure message. */
  recipe: string;
}

/** Values the generated requests may use besides random ones. */
export interface Pools {
  /** Ids of the tenant's own objects, by path parameter name; used only where `useRealIds` allows. */
  realIds: Record<string, string[]>;
  /** Ids of another workspace's objects: must be 404s. */
  foreignIds: string[];
  /** Endpoints that stay on this machine: the emulator, loopback addresses nobody allow-listed. */
  safeEndpoints: string[];
}

export function operationsOf(document: OpenApiDocument): Operation[] {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      method: method.toUpperCase(),
      path,
      parameters: (operation.parameters ?? []),
      body: resolve(document, operation.requestBody?.content['application/json']?.schema),
    })),
  );
}

function resolve(document: OpenApiDocument, schema: JsonSchema | undefined): JsonSchema | undefined {
  if (schema?.$ref === undefined) return schema;
  return document.components.schemas[schema.$ref.split('/').at(-1)!];
}

/* --------------------------------------------------------------------------------------------- */

const weirdStrings = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\uFEFFname',
  '\u202Egnp.exe',
  'ｆｕｌｌｗｉｄｔｈ',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🧨',
  'e\u0301\u0301\u0301',
  '\uD800',
  '\r\nX-Injected: 1',
  "'; drop table metrics; --",
  '{{7*7}}',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '%00',
  '__proto__',
  'constructor',
  '9'.repeat(400),
];

const hostileString = fc.oneof(
  fc.constantFrom(...weirdStrings),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  fc.integer({ min: 201, max: 3000 }).map((length) => 'x'.repeat(length)),
);

/** Numbers JSON can carry that break naive code: written as raw JSON text. */
const hostileNumberText = fc.constantFrom('1e308', '-1e308', '1e999', '-0', '0.5', '9007199254740993', '123456789012345678901234567890', '1E+2', '0', '-1');

/** A raw JSON value of any kind, hostile ones preferred. */
const hostileJsonValue: fc.Arbitrary<string> = fc.oneof(
  hostileString.map((text) => JSON.stringify(text)),
  hostileNumberText,
  fc.constantFrom('null', 'true', 'false', '[]', '{}', '[null]', '{"__proto__":{"admin":true}}'),
  fc.integer({ min: 2, max: 20_000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
  fc.integer({ min: 2, max: 20_000 }).map((depth) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)),
);

/** Percent-encodes like encodeURIComponent; a lone surrogate (which it refuses) becomes its invalid UTF-8 form. */
function encode(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return '%ED%A0%80';
  }
}

/** Ids in paths: someone else's, made up, malformed, and the usual traversal and encoding tricks. */
function idArbitrary(pools: Pools, real: string[]): fc.Arbitrary<string> {
  const tricks = [
    '..',
    '.',
    '%2e%2e',
    '..%2f..%2fapi-keys',
    '%2F',
    '%00',
    '%',
    '%ZZ',
    '%C0%AE',
    'null',
    'undefined',
    '__proto__',
    'constructor',
    '1 OR 1=1',
    '00000000-0000-0000-0000-000000000000',
    'ffffffff-ffff-ffff-ffff-ffffffffffff',
    '1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bedX',
    'a'.repeat(5000),
  ];
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...tricks) },
    { weight: 2, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: fc.uuid().map((id) => id.toUpperCase()) },
    { weight: 2, arbitrary: fc.constantFrom(...pools.foreignIds) },
    { weight: 2, arbitrary: hostileString.map((text) => encode(text) || '%20') },
    ...(real.length > 0 ? [{ weight: 3, arbitrary: fc.constantFrom(...real).map((id) => encodeURIComponent(id)) }] : []),
  );
}

/** Endpoints that never leave the machine, mangled the ways people and attackers mangle URLs. */
function endpointArbitrary(pools: Pools): fc.Arbitrary<string> {
  const label = fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 20 }).map((text) => text.replace(/[^a-z0-9-]/gi, '') || 'x');
  const unicodeLabel = fc.constantFrom('bücher', 'пример', '例え', 'xn--nxasmq6b', 'ａｃｍｅ', 'a\u200Db');
  const invalidHost = fc.tuple(fc.oneof(label, unicodeLabel), fc.constantFrom('.invalid', '.INVALID', '.invalid.', '.looker.invalid')).map(([name, tld]) => `${name}${tld}`);
  const host = fc.oneof(invalidHost, fc.constantFrom('localhost', '127.0.0.1', '[::1]', '0x7f.1', '2130706433', '0', '[::ffff:127.0.0.1]'));
  const scheme = fc.constantFrom('https://', 'http://', '', 'ftp://', 'javascript:', 'file://', 'HTTPS://', 'https:/');
  const port = fc.oneof(fc.constant(''), fc.integer({ min: 0, max: 70_000 }).map((value) => `:${value}`));
  const suffix = fc.constantFrom('', '/', '/api/4.0', '/api/3.1', '/api/4.0/login', '/looks/1', '?x=1', '#frag', '/%2e%2e/admin', '/\u0000', ' ', '@evil.invalid');
  const credentials = fc.constantFrom('', 'user:pass@', 'user@');
  return fc.oneof(
    { weight: 6, arbitrary: fc.tuple(scheme, credentials, host, port, suffix).map((parts) => parts.join('')) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...pools.safeEndpoints), suffix).map(([endpoint, tail]) => `${endpoint}${tail}`) },
    // Arbitrary text only where it cannot be a host name: a space stops it before any connection.
    { weight: 1, arbitrary: hostileString.map((text) => `${text} ${text}`) },
  );
}

/** A value the schema allows (mostly), as a JS value. */
function validValue(schema: JsonSchema, name: string, pools: Pools): fc.Arbitrary<unknown> {
  if (schema.enum) return fc.constantFrom(...schema.enum);
  switch (schema.type) {
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? 1_000_000 });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'string': {
      if (name === 'apiEndpoint') return endpointArbitrary(pools);
      if (name === 'integrationId') return fc.oneof(fc.uuid(), fc.constantFrom(...pools.foreignIds));
      if (name === 'importTime') return fc.oneof(fc.constantFrom('06:00', '23:59', '00:00', '24:00', '6:00', '06:60', '06:00:00', '０６:００'), hostileString);
      if (name === 'timeZone') return fc.oneof(fc.constantFrom('UTC', 'Europe/Berlin', 'Etc/GMT+14', 'Mars/Olympus', 'europe/berlin', '../../../etc/localtime', 'America/Argentina/ComodRivadavia'), hostileString);
      if (schema.format === 'date') return fc.oneof(fc.constantFrom('2026-01-01', '2026-02-30', '0000-01-01', '9999-12-31', '2026-1-1', '+002026-01-01'), hostileString);
      const example = typeof schema.example === 'string' ? [schema.example] : [];
      return fc.oneof(
        { weight: 3, arbitrary: fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 50, 50) }) },
        { weight: 1, arbitrary: fc.constantFrom('x', ...example) },
      );
    }
    case 'object':
      return objectValue(schema, pools);
    case 'array':
      return fc.array(validValue(schema.items ?? {}, name, pools), { maxLength: 3 });
    default:
      return fc.constant(null);
  }
}

function objectValue(schema: JsonSchema, pools: Pools): fc.Arbitrary<Record<string, unknown>> {
  const required = new Set(schema.required ?? []);
  const entries = Object.entries(schema.properties ?? {});
  return fc.tuple(...entries.map(([key, property]) => fc.option(validValue(property, key, pools), { freq: required.has(key) ? 20 : 2, nil: undefined }))).map((values) =>
    Object.fromEntries(entries.flatMap(([key], index) => (values[index] === undefined ? [] : [[key, values[index]]]))),
  );
}

/** The body as sent: valid, or broken in one of many ways. */
interface GeneratedBody {
  text?: string;
  contentType?: string;
  recipe: string;
}

function bodyArbitrary(schema: JsonSchema | undefined, pools: Pools): fc.Arbitrary<GeneratedBody> {
  const keys = Object.keys(schema?.properties ?? { name: {} });
  const base = schema ? objectValue(schema, pools) : fc.constant({});
  // A field and a hostile raw value for it; an apiEndpoint string must still be unable to name a real host.
  const endpointValue = fc.oneof(
    hostileJsonValue.filter((raw) => !raw.startsWith('"')),
    endpointArbitrary(pools).map((text) => JSON.stringify(text)),
  );
  const fieldAndValue = fc.constantFrom(...keys).chain((field) => fc.tuple(fc.constant(field), field === 'apiEndpoint' ? endpointValue : hostileJsonValue));
  const json = (recipe: string, text: string) => ({ text, contentType: 'application/json', recipe });
  return fc.oneof(
    { weight: 4, arbitrary: base.map((value) => json('schema-shaped', JSON.stringify(value))) },
    {
      weight: 4,
      arbitrary: fc.tuple(base, fieldAndValue).map(([value, [field, raw]]) => {
        const rest = JSON.stringify({ ...value, [field]: undefined }).slice(1);
        return json(`hostile ${field}`, `{${JSON.stringify(field)}:${raw}${rest === '}' ? '' : ','}${rest}`);
      }),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(base, fieldAndValue).map(([value, [field, raw]]) =>
        json(`duplicate key ${field}`, `{${JSON.stringify(field)}:${raw},${JSON.stringify(value).slice(1, -1) || '"x":1'},${JSON.stringify(field)}:${raw}}`),
      ),
    },
    { weight: 1, arbitrary: fc.tuple(base, hostileString, hostileJsonValue).map(([value, unknown, raw]) => json('unknown key', JSON.stringify({ ...value }).replace(/^\{/, `{${JSON.stringify(unknown || 'extra')}:${raw},`).replace(',}', '}'))) },
    { weight: 1, arbitrary: hostileJsonValue.map((raw) => json('non-object root', raw)) },
    { weight: 1, arbitrary: fc.constantFrom('{', '{"a":1,}', "{'a':1}", '{"a":NaN}', '{"a":undefined}', '\u0000', '{"a":"\\ud800"}', '{"a":1}{"b":2}', '\uFEFF{}').map((text) => json('malformed JSON', text)) },
    { weight: 1, arbitrary: fc.integer({ min: 65 * 1024, max: 300 * 1024 }).map((size) => json('oversized', JSON.stringify({ [keys[0]!]: 'x'.repeat(size) }))) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(base, fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/json-seq', '', 'application/jsonx', 'text/json'))
        .map(([value, contentType]) => ({ text: JSON.stringify(value), contentType, recipe: `content type "${contentType}"` })),
    },
    { weight: 1, arbitrary: fc.constant<GeneratedBody>({ recipe: 'no body' }) },
  );
}

function queryArbitrary(operation: Operation, pools: Pools): fc.Arbitrary<string> {
  const params = operation.parameters.filter((parameter) => parameter.in === 'query');
  if (params.length === 0) return fc.constantFrom('', '?x=1', '?__proto__=1');
  const hostileQueryValue = fc.oneof(
    hostileString,
    fc.constantFrom('-1', '0', '1e3', '0x10', 'NaN', 'Infinity', '99999999999999999999', '1.5', ' 5', '[]', 'true'),
  );
  return fc
    .array(
      fc.tuple(
        fc.constantFrom(...params.map((parameter) => parameter.name), 'unknown'),
        fc.oneof(hostileQueryValue, ...params.map((parameter) => validValue(parameter.schema, parameter.name, pools).map(String))),
      ),
      { maxLength: 4 },
    )
    .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([name, value]) => `${name}=${encode(value)}`).join('&')}`));
}

/** Requests for one operation; `useRealIds` lets path ids be the tenant's own (routes whose success changes nothing in the background). */
export function requestArbitrary(operation: Operation, pools: Pools, auth: string, useRealIds: boolean): fc.Arbitrary<HostileRequest> {
  const pathParams = operation.parameters.filter((parameter) => parameter.in === 'path');
  const ids = fc.tuple(...pathParams.map((parameter) => idArbitrary(pools, useRealIds ? (pools.realIds[parameter.name] ?? []) : [])));
  const noBody = fc.constant<GeneratedBody>({ recipe: 'no body' });
  // fetch's Request refuses a body on GET and HEAD.
  const body =
    operation.body !== undefined
      ? bodyArbitrary(operation.body, pools)
      : operation.method === 'GET'
        ? noBody
        : fc.oneof({ weight: 4, arbitrary: noBody }, { weight: 1, arbitrary: bodyArbitrary(undefined, pools) });
  const authorization = fc.oneof({ weight: 12, arbitrary: fc.constant(auth) }, { weight: 1, arbitrary: fc.constantFrom('', 'Bearer', 'Basic YTpi', `Bearer ${'a'.repeat(10_000)}`) });
  return fc.tuple(ids, queryArbitrary(operation, pools), body, authorization).map(([values, query, { text, contentType, recipe }, authHeader]) => {
    let path = operation.path;
    pathParams.forEach((parameter, index) => (path = path.replace(`{${parameter.name}}`, values[index]!)));
    const headers: Record<string, string> = { authorization: authHeader };
    if (contentType) headers['content-type'] = contentType;
    return { method: operation.method, url: `${path}${query}`, headers, body: text, recipe: `${recipe}; ids ${JSON.stringify(values)}` };
  });
}
