import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../../helpers/browser';
import { eventually } from '../../helpers/eventually';
import { importTimeAhead } from '../../helpers/test-clock';
import { emulatorCredentials, startTestStack, type TestStack } from '../../helpers/test-stack';

// The committed pictures in docs/console are rewritten only on request, so `npm test` leaves the tree clean.
const screenshots = process.env.UPDATE_SCREENSHOTS === '1' ? path.resolve('docs/console') : mkdtempSync(path.join(os.tmpdir(), 'console-screenshots-'));
const xssName = '<img src=x onerror=alert(1)>';

/** The seed flow in a real headless Chromium, against the API, Temporal, Postgres and the emulator. */
describe('web console in a browser', () => {
  let stack: TestStack;
  let browser: Browser;
  let page: Page;
  const dialogs: string[] = [];
  const cspViolations: string[] = [];
  const scriptErrors: string[] = [];

  beforeAll(async () => {
    stack = await startTestStack();
    browser = await launchBrowser();
    // The zone the new-metric form must default to: the browser's.
    // A locale of its own: under LANG=C Chromium reports "en-US@posix", which Intl (and so uPlot) rejects.
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId: 'Europe/Berlin', locale: 'en-GB' });
    page = await context.newPage();
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.accept();
    });
    page.on('pageerror', (error) => scriptErrors.push(error.message));
    page.on('console', (message) => {
      if (process.env.TEST_LOG_LEVEL) process.stderr.write(`browser: ${message.text()}\n`);
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('signs in, connects Looker, creates a metric whose chart holds the Look, keeps hostile names as text, pauses, resumes, edits the source and signs out', async () => {
    await page.goto(`${stack.apiUrl}/console`);
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
    await page.screenshot({ path: path.join(screenshots, 'sign-in.png') });
    await page.getByLabel('Workspace API key').fill(stack.apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/console/metrics');
    expect(await page.locator('.empty').textContent()).toContain('No metrics yet');

    // Add an integration: a wrong secret is rejected by Test credentials, the right one connects.
    await page.getByRole('navigation').getByRole('link', { name: 'Integrations' }).click();
    await page.getByRole('link', { name: 'Add integration' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Acme Looker');
    await page.getByLabel('API endpoint').fill(stack.emulator.apiUrl);
    await page.getByLabel('Client ID').fill(emulatorCredentials.clientId);
    await page.getByLabel('Client secret').fill('not-the-secret');
    await page.getByRole('button', { name: 'Test credentials' }).click();
    await page.locator('[data-check-result].bad').waitFor();
    expect(await page.locator('[data-check-result]').textContent()).toMatch(/reject/i);
    expect(await page.locator('[data-error-for="clientSecret"]').textContent()).toMatch(/reject/i);
    await page.screenshot({ path: path.join(screenshots, 'integration-rejected.png'), fullPage: true });
    await page.getByLabel('Client secret').fill(emulatorCredentials.clientSecret);
    await page.getByRole('button', { name: 'Test credentials' }).click();
    await page.locator('[data-check-result].ok').waitFor();
    expect(await page.locator('[data-check-result]').textContent()).toMatch(/^Connected/);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL('**/console/integrations');
    const row = page.locator('tr', { hasText: 'Acme Looker' });
    expect(await row.locator('td').nth(1).textContent()).toBe(stack.emulator.apiUrl.replace(/\/?$/, '').replace(/(\/api\/4\.0)?$/, '/api/4.0'));
    await page.screenshot({ path: path.join(screenshots, 'integrations.png'), fullPage: true });

    // New metric: Look search → fields (suggested preselected) → preview → schedule → save.
    await page.getByRole('navigation').getByRole('link', { name: 'New metric' }).click();
    await page.getByLabel('Integration').selectOption({ label: 'Acme Looker' });
    // A Look that cannot be imported says why in the preview.
    await page.getByLabel('Search Looks by title').fill('duplicate dates');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator('#look-10').check();
    await page.locator('#dateField:not([disabled])').waitFor();
    await page.getByRole('button', { name: 'Preview import' }).click();
    await page.locator('[data-preview] .error').waitFor();
    expect(await page.locator('[data-preview] .error').textContent()).toMatch(/same day with different values|different values/);
    await page.getByLabel('Search Looks by title').fill('Daily revenue');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator('#look-1').check();
    await page.locator('#dateField:not([disabled])').waitFor();
    expect(await page.getByLabel('Date field').inputValue()).toBe('orders.created_date');
    expect(await page.getByLabel('Value field').inputValue()).toBe('orders.total_revenue');
    const expected = await lookDatapoints(stack, '1', 'orders.created_date', 'orders.total_revenue');
    const expectedDates = [...expected.keys()].sort();
    await page.getByRole('button', { name: 'Preview import' }).click();
    await page.locator('[data-preview-summary]').waitFor();
    expect(await page.locator('[data-preview-summary]').textContent()).toBe(
      `${expected.size} datapoints (day), ${expectedDates[0]} to ${expectedDates.at(-1)}, from ${expected.size} rows.`,
    );
    expect(await page.getByLabel('Time zone').inputValue()).toBe('Europe/Berlin');
    await page.getByLabel('Metric name').fill(xssName);
    // Twelve hours from the server's now: no scheduled import joins the backfill during the test.
    await page.getByLabel('Daily import time').fill(importTimeAhead(await stack.now(), 'Europe/Berlin'));
    await page.screenshot({ path: path.join(screenshots, 'new-metric.png'), fullPage: true });
    await page.getByRole('button', { name: 'Save and import history' }).click();
    await page.waitForURL(/\/console\/metrics\/[0-9a-f-]{36}$/);
    const metricId = page.url().split('/').at(-1)!;

    // The page follows the backfill by itself; the chart then holds exactly the Look's datapoints.
    await page.locator('[data-island="metric"][data-state="active"][data-busy="false"]').waitFor({ timeout: 60_000 });
    await page.locator('[data-chart][data-count]').waitFor();
    const series = await page.evaluate<{ dates: string[]; values: number[] }>('document.querySelector("[data-chart]").series');
    expect(series.dates).toEqual(expectedDates);
    series.dates.forEach((date, i) => expect(series.values[i]).toBeCloseTo(expected.get(date)!, 6));
    expect(await page.locator('.u-over').count()).toBe(1);

    // The hostile name is text everywhere it shows.
    expect(await page.locator('main h1').textContent()).toBe(xssName);
    expect(await page.locator('main img').count()).toBe(0);
    await page.screenshot({ path: path.join(screenshots, 'metric.png'), fullPage: true });

    await page.getByRole('button', { name: 'Pause' }).click();
    await page.locator('[data-island="metric"][data-state="paused"]').waitFor();
    expect(await page.locator('[data-state-badge]').first().textContent()).toBe('Paused');
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.locator('[data-island="metric"][data-state="active"]').waitFor();
    expect((await stack.http<{ state: string }>('GET', `/v1/metrics/${metricId}`)).body.state).toBe('active');

    // Edit source: another value field re-imports, and the chart then holds the new values.
    await page.getByRole('link', { name: 'Edit source and schedule' }).click();
    await page.locator('#valueField:not([disabled])').waitFor();
    expect(await page.locator('#look-1').isChecked()).toBe(true);
    expect(await page.getByLabel('Value field').inputValue()).toBe('orders.total_revenue');
    await page.getByLabel('Value field').selectOption('orders.count');
    await page.screenshot({ path: path.join(screenshots, 'edit-source.png'), fullPage: true });
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForURL(`**/console/metrics/${metricId}`);
    const counts = await lookDatapoints(stack, '1', 'orders.created_date', 'orders.count');
    await eventually(
      async () => {
        await page.reload();
        await page.locator('[data-chart][data-count]').waitFor();
        const shown = await page.evaluate<{ dates: string[]; values: number[] }>('document.querySelector("[data-chart]").series');
        return shown.values.every((value, i) => value === counts.get(shown.dates[i]!)) && shown.dates.length === counts.size ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1000 },
    );
    expect(await page.locator('[data-island="metric"] code').nth(1).textContent()).toBe('orders.count');

    await page.getByRole('navigation').getByRole('link', { name: 'Metrics' }).click();
    expect(await page.locator('[data-metric-link]').textContent()).toBe(xssName);
    expect(await page.locator('main img').count()).toBe(0);
    await page.screenshot({ path: path.join(screenshots, 'metrics.png'), fullPage: true });

    // The integration cannot be deleted while the metric uses it, and the refusal names the metric.
    await page.getByRole('navigation').getByRole('link', { name: 'Integrations' }).click();
    await page.locator('tr', { hasText: 'Acme Looker' }).getByRole('button', { name: 'Delete' }).click();
    await page.locator('[data-row-error]:not(:empty)').waitFor();
    expect(await page.locator('[data-row-error]').textContent()).toContain(xssName);
    // Edit keeps the secret write-only: blank, and Test credentials then checks the saved one.
    await page.locator('tr', { hasText: 'Acme Looker' }).getByRole('link', { name: 'Edit' }).click();
    expect(await page.getByLabel('Client secret').inputValue()).toBe('');
    expect(await page.content()).not.toContain(emulatorCredentials.clientSecret);
    await page.getByRole('button', { name: 'Test credentials' }).click();
    await page.locator('[data-check-result].ok').waitFor();
    await page.screenshot({ path: path.join(screenshots, 'integration-edit.png'), fullPage: true });

    // API keys: a new key is shown once.
    await page.getByRole('navigation').getByRole('link', { name: 'API keys' }).click();
    await page.getByLabel('New key name').fill('CI pipeline');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.locator('[data-new-key]:not([hidden])').waitFor();
    expect(await page.locator('#newKey').inputValue()).toMatch(/^mi_live_/);
    await page.screenshot({ path: path.join(screenshots, 'api-keys.png'), fullPage: true });

    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${stack.apiUrl}/console/metrics/${metricId}`);
    await page.locator('[data-chart][data-count]').waitFor();
    await page.screenshot({ path: path.join(screenshots, 'metric-phone.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('.notice', { hasText: 'Signed out.' }).waitFor();
    await page.goto(`${stack.apiUrl}/console/metrics`);
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');

    // The only dialog was the delete confirmation: the hostile name never ran as script (alert(1)).
    expect(dialogs).toEqual(['Delete the integration "Acme Looker"?']);
    expect(cspViolations).toEqual([]);
    expect(scriptErrors).toEqual([]);
  }, 240_000);
});

/** What the Look holds, read straight from the emulator: date → value. */
async function lookDatapoints(stack: TestStack, lookId: string, dateField: string, valueField: string): Promise<Map<string, number>> {
  const login = await fetch(`${stack.emulator.apiUrl}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: emulatorCredentials.clientId, client_secret: emulatorCredentials.clientSecret }),
  });
  const { access_token: token } = (await login.json()) as { access_token: string };
  const rows = (await (await fetch(`${stack.emulator.apiUrl}/looks/${lookId}/run/json?limit=-1`, { headers: { authorization: `Bearer ${token}` } })).json()) as Record<string, unknown>[];
  return new Map(rows.map((row) => [String(row[dateField]), Number(row[valueField])]));
}
