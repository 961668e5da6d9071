import type { Child } from 'hono/jsx';
import type { Asset, AssetName } from './assets';

export type AssetUrls = Record<AssetName, Asset>;

const nav = [
  { href: '/console/metrics', label: 'Metrics' },
  { href: '/console/metrics/new', label: 'New metric' },
  { href: '/console/integrations', label: 'Integrations' },
  { href: '/console/api-keys', label: 'API keys' },
];

/** Every console page: one stylesheet, script files only (the CSP forbids inline scripts). */
export function Layout(props: { title: string; assets: AssetUrls; csrfToken?: string; current?: string; chart?: boolean; children?: Child }) {
  const { assets } = props;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · metric-importer`}</title>
        {props.chart && <link rel="stylesheet" href={assets['uplot.css'].url} />}
        <link rel="stylesheet" href={assets['console.css'].url} />
        {props.csrfToken && <meta name="csrf-token" content={props.csrfToken} />}
        {props.chart && <script src={assets['uplot.js'].url} defer></script>}
        <script src={assets['console.js'].url} defer></script>
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header class="top">
          <span class="brand">metric-importer</span>
          {props.csrfToken && (
            <nav aria-label="Console">
              {nav.map((item) => (
                <a href={item.href} aria-current={props.current === item.href ? 'page' : undefined}>
                  {item.label}
                </a>
              ))}
              <form method="post" action="/console/sign-out" class="inline">
                <input type="hidden" name="csrf" value={props.csrfToken} />
                <button type="submit" class="link">Sign out</button>
              </form>
            </nav>
          )}
        </header>
        <main id="main">
          <h1>{props.title}</h1>
          {props.children}
        </main>
      </body>
    </html>
  );
}

/** A label, its input and the slot where the API's error for that field appears. */
export function Field(props: { name: string; label: string; hint?: Child; children: Child }) {
  return (
    <div class="field">
      <label for={props.name}>{props.label}</label>
      {props.children}
      {props.hint && <p class="hint" id={`${props.name}-hint`}>{props.hint}</p>}
      <p class="field-error" id={`${props.name}-error`} data-error-for={props.name} aria-live="polite"></p>
    </div>
  );
}
