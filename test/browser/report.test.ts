import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { loadConfig } from '../../config/load';
import { runDrill, type DrillEvent, type DrillSummary } from '../../local/drill';
import { allStateNames, type LayoutMachine } from '../../local/report/graph-layout';
import { renderDrillReport } from '../../local/report/report';
import { buildPlan, loadFailoverDefinition } from '../../cli/plan/plan';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/chromium';

const ROOT = join(__dirname, '..', '..');
// In CI the browser tests must run (and fail without Chromium); elsewhere a missing Chromium skips them, loudly.
const runBrowserTests = existsSync(CHROMIUM) || process.env.CI === 'true';
if (!runBrowserTests) {
  console.warn(`SKIPPED test/browser/report.test.ts: ${CHROMIUM} not found (apt-get update && apt-get install -y chromium). CI=true makes this a failure.`);
}
const describeBrowser = runBrowserTests ? describe : describe.skip;

describeBrowser('drill report in headless Chromium', () => {
  const definition = loadFailoverDefinition();
  let dir: string;
  let browser: Browser;
  let summary: DrillSummary;
  let reportFile: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'drill-report-'));
    const config = loadConfig(join(ROOT, 'dr.config.json'));
    const events: DrillEvent[] = [];
    summary = await runDrill({ config, scenario: 'primary-down', approve: 'auto', outDir: join(dir, 'outbox'), onEvent: (e) => void events.push(e) });
    const plan = buildPlan(config, definition);
    reportFile = join(dir, 'report.html');
    writeFileSync(
      reportFile,
      renderDrillReport({
        summary,
        events,
        definition: definition as unknown as LayoutMachine,
        projection: {
          rtoSeconds: plan.rtoSeconds,
          rtoTargetSeconds: plan.rto.targetSeconds,
          rpoSeconds: plan.rpoSeconds,
          rpoTargetSeconds: plan.rpo.targetSeconds,
          terms: plan.rto.terms.map((t) => ({ key: t.key, label: t.label, seconds: t.seconds })),
        },
      }),
    );
    // launch() gives every browser a fresh, throw-away user-data-dir of its own.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [...CHROMIUM_ARGS],
    });
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('renders from file:// without fetching anything, and screenshots to a non-empty image', async () => {
    expect(summary.outcome).toBe('FAILED_OVER');
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const requested: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    await page.goto(pathToFileURL(reportFile).href);
    expect(requested.filter((u) => !u.startsWith('file://'))).toEqual([]);
    const shot = join(dir, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(10_000);
    await expect(page.locator('#outcome').textContent()).resolves.toBe('FAILED_OVER');
    await page.close();
  });

  test('every state of the failover definition is in the DOM, once, with its status class', async () => {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(reportFile).href);
    const names = allStateNames(definition as unknown as LayoutMachine);
    expect(names.length).toBeGreaterThan(30);
    const statusOf = async (name: string) => {
      const node = page.locator(`svg.graph [data-state="${name}"]`);
      await expect(node.count()).resolves.toBe(1);
      const cls = (await node.getAttribute('class')) ?? '';
      const status = /\bstatus-([a-z-]+)/.exec(cls)?.[1];
      expect(['succeeded', 'failed', 'caught', 'running', 'not-reached']).toContain(status);
      // The label a person reads is the state's name.
      await expect(node.locator('text.label').first().textContent()).resolves.toContain(name);
      return status;
    };
    const seen = new Map<string, string | undefined>();
    for (const name of names) seen.set(name, await statusOf(name));
    // A clean failover: the main path succeeded, the refusal and incomplete branches were never reached.
    for (const name of ['Init', 'AssessHealth', 'FenceOldPrimary', 'PromoteData', 'PromoteStore', 'ShiftTraffic', 'ActivateStandby', 'FailedOver'])
      expect(seen.get(name)).toBe('succeeded');
    for (const name of ['NotifyRefused', 'Refused', 'HandleAbort', 'DryRunComplete']) expect(seen.get(name)).toBe('not-reached');
    // Colours come from the classes: a succeeded box is drawn green, a not-reached one grey.
    type Styled = { getComputedStyle(el: unknown): { stroke: string } };
    const stroke = (name: string) =>
      page
        .locator(`[data-state="${name}"] > rect`)
        .first()
        .evaluate((el) => (globalThis as unknown as Styled).getComputedStyle(el).stroke);
    await expect(stroke('Init')).resolves.toBe('rgb(21, 128, 61)');
    await expect(stroke('Refused')).resolves.toBe('rgb(156, 163, 175)');
    await page.close();
  });

  test('shows the timeline, the RTO measured against the projection and the data report', async () => {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(reportFile).href);
    await expect(page.locator('svg.timeline .span').count()).resolves.toBeGreaterThan(10);
    await expect(page.locator('#rto tr[data-term="client downtime"] td').nth(2).textContent()).resolves.toMatch(/^\d+(\.\d)? s$/);
    await expect(page.locator('#lost-writes').textContent()).resolves.toContain(`of ${summary.acknowledgedWrites} acknowledged`);
    await page.close();
  });
});
