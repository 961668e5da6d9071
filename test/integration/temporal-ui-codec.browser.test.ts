import { mkdirSync, mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, describe, expect, it, onTestFailed } from 'vitest';
import { launchBrowser } from '../helpers/browser';
import { eventually } from '../helpers/eventually';
import { localModeEnv, startLocalMode, untilServing, type StartedLocalMode } from '../helpers/local-mode';
import { devServerNow, importTimeAhead } from '../helpers/test-clock';

// The committed pictures in docs/operations are rewritten only on request, so `npm test` leaves the tree clean.
const screenshots = process.env.UPDATE_SCREENSHOTS === '1' ? path.resolve('docs/operations') : mkdtempSync(path.join(os.tmpdir(), 'temporal-ui-screenshots-'));
mkdirSync(screenshots, { recursive: true });

const metrics = [
  { name: 'Daily revenue', lookId: '1', dateField: 'orders.created_date', valueField: 'orders.total_revenue' },
  { name: 'Weekly orders', lookId: '2', dateField: 'orders.created_week', valueField: 'orders.count' },
  { name: 'Monthly revenue', lookId: '3', dateField: 'orders.created_month', valueField: 'orders.total_revenue' },
];

/**
 * The real Temporal Web UI that `npm start` serves, in headless Chromium, pointed at the API's codec
 * endpoint: payloads stay encrypted on screen until the operator signs in to the codec endpoint in
 * that browser, as the banner says.
 */
describe('Temporal UI from local mode, with the payload codec', () => {
  let local: StartedLocalMode | undefined;
  let dataDir: string | undefined;
  let browser: Browser | undefined;
  afterAll(async () => {
    await browser?.close();
    if (local && local.child.exitCode === null) {
      local.child.kill('SIGINT');
      await local.exited;
    }
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('shows encrypted payloads until the operator signs in to the codec endpoint, then the decoded input and each metric\'s summary', async () => {
    const env = await localModeEnv();
    dataDir = env.DATA_DIR;
    local = startLocalMode(env);
    onTestFailed(() => {
      process.stderr.write(`--- npm start output ---\n${local!.output().slice(-4000)}\n`);
    });
    await untilServing(local);

    // Everything the operator needs comes from the banner.
    const banner = local.output();
    const read = (pattern: RegExp) => {
      const value = pattern.exec(banner)?.[1];
      expect(value, `banner: ${pattern}`).toBeDefined();
      return value!;
    };
    const apiUrl = read(/API\s+(http\S+)/);
    const uiUrl = read(/Temporal UI\s+(http\S+)/);
    const codecSignInUrl = read(/sign in at (\S+\/codec\/sign-in)/);
    const codecToken = read(/codec token (\S+)/);
    const codecEndpoint = read(/set the endpoint to (\S+\/codec) /);
    const apiKey = read(/API key\s+(\S+)/);
    const walkthrough = JSON.parse(read(/-d '(\{.*\})'/)) as { integrationId: string; timeZone: string };

    const created: { id: string; workflowId: string; name: string }[] = [];
    for (const metric of metrics) {
      const response = await fetch(`${apiUrl}/v1/metrics`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ...walkthrough, ...metric, importTime: importTimeAhead(devServerNow(), walkthrough.timeZone) }),
      });
      expect(response.status).toBe(202);
      created.push({ ...((await response.json()) as { id: string; workflowId: string }), name: metric.name });
    }
    const daily = created[0]!;

    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'en-GB', timezoneId: 'UTC' });
    const page = await context.newPage();
    const decodeAnswers: number[] = [];
    page.on('response', (response) => {
      if (response.url().startsWith(`${codecEndpoint}/decode`)) decodeAnswers.push(response.status());
    });
    const workflowPage = `${uiUrl}/namespaces/default/workflows/${encodeURIComponent(daily.workflowId)}`;
    const inputPanel = page.getByTestId('input-and-result');
    // The alert on the page (the top bar's codec button says the same).
    const codecRefused = page.locator('#content').getByText('Codec Server could not connect');

    // 1. A fresh browser: the UI asks the codec endpoint, is refused, and shows the ciphertext.
    await page.goto(workflowPage);
    await codecRefused.waitFor();
    await expectEncrypted(page, daily);
    expect(decodeAnswers.length).toBeGreaterThan(0);
    expect(decodeAnswers.every((status) => status === 401)).toBe(true);
    await page.screenshot({ path: path.join(screenshots, 'temporal-ui-before-codec-sign-in.png') });

    // 2. The UI's Codec Server settings as the banner says, but not signed in yet: still refused, so
    // the credentials switch alone opens nothing.
    await page.locator('[data-testid^="data-encoder-status"]').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('Use my browser setting and ignore Cluster-level setting.').click();
    await dialog.getByPlaceholder('Paste your endpoint here').fill(codecEndpoint);
    await dialog.getByTestId('data-encoder-include-credentials').click();
    expect(await dialog.getByRole('switch', { name: 'Include cross-origin credentials' }).isChecked()).toBe(true);
    await dialog.getByRole('button', { name: 'Apply' }).click();
    await dialog.waitFor({ state: 'hidden' });
    decodeAnswers.length = 0;
    await page.reload();
    await codecRefused.waitFor();
    await expectEncrypted(page, daily);
    expect(decodeAnswers.length).toBeGreaterThan(0);
    expect(decodeAnswers.every((status) => status === 401)).toBe(true);

    // 3. Signed in at the banner's codec sign-in page in the same browser: the UI's own decode
    // requests carry the cookie, and the same page shows the workflow input and the summary.
    await page.goto(codecSignInUrl);
    await page.getByLabel('CODEC_TOKEN').fill(codecToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Signed in for 12 hours').waitFor();
    decodeAnswers.length = 0;
    await page.goto(workflowPage);
    await inputPanel.getByText(`"metricId": "${daily.id}"`).first().waitFor();
    const input = await inputPanel.innerText();
    expect(input).toContain(`"timeZone": "${walkthrough.timeZone}"`);
    expect(await codecRefused.count()).toBe(0);
    expect(decodeAnswers.length).toBeGreaterThan(0);
    expect(decodeAnswers.every((status) => status === 200)).toBe(true);
    await page.getByTestId('user-metadata-tab').click();
    const metadata = await eventually(async () => {
      const text = await textOfAllFrames(page);
      return text.includes('Daily revenue · Demo Looker (emulator) · Look 1') ? text : undefined;
    });
    expect(metadata).toContain('Integration: Demo Looker (emulator)');
    expect(metadata).toContain('Look: 1 (date orders.created_date, value orders.total_revenue)');
    await page.screenshot({ path: path.join(screenshots, 'temporal-ui-workflow-summary.png') });

    // The list (no payloads in it) shows every metric's workflow; the columns an operator would pick
    // in "Configure Columns" add the import state from the search attributes.
    const columns = { default: ['Status', 'Workflow ID', 'ImportState', 'Type', 'Start'].map((label) => ({ label })) };
    await page.evaluate(`localStorage.setItem('namespace-workflow-table-columns', ${JSON.stringify(JSON.stringify(columns))})`);
    await page.goto(`${uiUrl}/namespaces/default/workflows`);
    for (const metric of created) await page.getByRole('link', { name: metric.workflowId, exact: true }).first().waitFor();
    await page.screenshot({ path: path.join(screenshots, 'temporal-ui-workflows.png') });
  }, 300_000);
});

/** The page's text, the frames' included: the UI renders the Markdown of summary and details in frames of their own. */
async function textOfAllFrames(page: Page): Promise<string> {
  const texts = await Promise.all(page.frames().map((frame) => frame.locator('body').innerText().catch(() => '')));
  return texts.join('\n');
}

/** The workflow page shows the input as ciphertext and no summary: nothing of the metric is readable. */
async function expectEncrypted(page: Page, metric: { id: string; name: string }): Promise<void> {
  await page.getByTestId('user-metadata-tab').click();
  await page.locator('#content').getByText('No summary available').first().waitFor();
  expect(await textOfAllFrames(page)).not.toContain(metric.name);
  await page.getByTestId('timeline-tab').click();
  const inputPanel = page.getByTestId('input-and-result');
  // The UI shows a payload it could not decode as its base64 data.
  await inputPanel.getByText(/"[A-Za-z0-9+/]{40,}={0,2}"/).first().waitFor();
  const input = await inputPanel.innerText();
  for (const readable of ['metricId', metric.id, 'Europe/Berlin', 'importTime']) expect(input).not.toContain(readable);
}
