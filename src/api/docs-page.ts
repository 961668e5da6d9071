import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from './env';
import { problemResponse } from './errors';

/** Swagger UI's files, served from the npm package so the reference works offline. */
const swaggerUiDir = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

// A Map, not an object literal: a name such as "constructor" or "__proto__" must not find an
// inherited property and reach the filesystem.
const assets = new Map<string, string>([
  ['swagger-ui.css', 'text/css; charset=utf-8'],
  ['swagger-ui-bundle.js', 'text/javascript; charset=utf-8'],
  ['favicon-32x32.png', 'image/png'],
]);

const page = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>metric-importer API reference</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>
`;

// A file rather than an inline script, so the page runs under a CSP without 'unsafe-inline' scripts.
const init = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true, persistAuthorization: false });\n`;

// The page is never framed (clickjacking the try-it-out form), has no <base> and submits no forms.
const pageHeaders = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
};

/** The interactive reference at /docs, reading /openapi.json; try-it-out sends the key the user enters. */
export function registerDocsPage(app: OpenAPIHono<AppEnv>): void {
  const cache = new Map<string, Buffer>();
  app.get('/docs', (c) => c.html(page, 200, pageHeaders));
  app.get('/docs/init.js', (c) => c.body(init, 200, { 'content-type': 'text/javascript; charset=utf-8' }));
  app.get('/docs/:asset', async (c) => {
    const name = c.req.param('asset');
    const type = assets.get(name);
    if (type === undefined) return problemResponse(c, 'not_found', `No route GET ${c.req.path}.`);
    let body = cache.get(name);
    if (body === undefined) {
      body = await readFile(path.join(swaggerUiDir, name));
      cache.set(name, body);
    }
    return c.body(new Uint8Array(body), 200, { 'content-type': type, 'cache-control': 'public, max-age=86400' });
  });
}
