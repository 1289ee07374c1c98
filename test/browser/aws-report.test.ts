import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { awsRecord } from '../../cli/aws/execution-record';
import type { ExecutionRecord } from '../../local/report/execution-record';
import { allStateNames, type LayoutMachine } from '../../local/report/graph-layout';
import { renderReport } from '../../local/report/report';
import { describeFor, HISTORY_FIXTURES, type HistoryFixture, loadHistory } from '../support/history-fixtures';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/chromium';

const ROOT = join(__dirname, '..', '..');
// In CI the browser tests must run (and fail without Chromium); elsewhere a missing Chromium skips them, loudly.
const runBrowserTests = existsSync(CHROMIUM) || process.env.CI === 'true';
if (!runBrowserTests) {
  console.warn(`SKIPPED test/browser/aws-report.test.ts: ${CHROMIUM} not found (apt-get update && apt-get install -y chromium). CI=true makes this a failure.`);
}
const describeBrowser = runBrowserTests ? describe : describe.skip;

/** `drctl report` on the recorded AWS histories, opened in headless Chromium as a person would open the file. */
describeBrowser('reports of recorded AWS executions in headless Chromium', () => {
  const definition = JSON.parse(readFileSync(join(ROOT, 'state-machines', 'failover.asl.json'), 'utf8')) as LayoutMachine;
  const names = allStateNames(definition);
  let dir: string;
  let browser: Browser;
  const records = new Map<HistoryFixture, ExecutionRecord>();
  const files = new Map<HistoryFixture, string>();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aws-report-'));
    for (const name of HISTORY_FIXTURES) {
      const events = loadHistory(name);
      const d = describeFor(events);
      const record = awsRecord({
        region: 'us-west-2',
        name: d.name,
        executionArn: d.executionArn,
        describe: d,
        history: events,
        definition,
        audit: [],
        auditSource: 'none',
        auditReadable: true,
      });
      records.set(name, record);
      const file = join(dir, `${name}.html`);
      writeFileSync(file, renderReport(record, { generatedAt: new Date('2026-12-01T00:00:00Z') }));
      files.set(name, file);
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [...CHROMIUM_ARGS],
    });
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function open(name: HistoryFixture): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const requested: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    await page.goto(pathToFileURL(files.get(name)!).href);
    expect(requested.filter((u) => !u.startsWith('file://'))).toEqual([]);
    return page;
  }

  test.each(HISTORY_FIXTURES)('%s: every state of the definition is in the graph once, with the status the history gives it', async (name) => {
    const page = await open(name);
    const record = records.get(name)!;
    const seen = await page
      .locator('svg.graph [data-state]')
      .evaluateAll((els) => els.map((el) => [el.getAttribute('data-state'), /\bstatus-([a-z-]+)/.exec(el.getAttribute('class') ?? '')?.[1]]));
    expect(seen.map(([n]) => n).sort()).toEqual([...names].sort());
    for (const [state, status] of seen) expect([state, status]).toEqual([state, record.states.get(state!)?.status]);
    await expect(page.locator('#outcome').textContent()).resolves.toBe(record.execution.outcome);
    await page.close();
  });

  test('the four outcomes are told apart where a person looks: badge, failed step, colours', async () => {
    const expectations: [HistoryFixture, string, Record<string, string>][] = [
      ['succeeded', 'FAILED_OVER', { ShiftTraffic: 'succeeded', VerifyRecovery: 'caught', HandleAbort: 'not-reached' }],
      ['incomplete', 'INCOMPLETE', { PromoteStore: 'failed', PromoteData: 'failed', ShiftTraffic: 'not-reached' }],
      ['redriven', 'FAILED_OVER', { ShiftTraffic: 'caught', ActivateStandby: 'succeeded' }],
      ['rejected', 'REJECTED', { RequestApproval: 'failed', PrepareStandby: 'caught', Rejected: 'failed', FenceOldPrimary: 'not-reached' }],
    ];
    type Styled = { getComputedStyle(el: unknown): { stroke: string } };
    for (const [name, outcome, statuses] of expectations) {
      const page = await open(name);
      await expect(page.locator('#outcome').textContent()).resolves.toBe(outcome);
      for (const [state, status] of Object.entries(statuses))
        await expect(page.locator(`svg.graph [data-state="${state}"]`).getAttribute('data-status')).resolves.toBe(status);
      if (name === 'rejected') {
        const stroke = (s: string) =>
          page
            .locator(`svg.graph [data-state="${s}"] > rect`)
            .first()
            .evaluate((el) => (globalThis as unknown as Styled).getComputedStyle(el).stroke);
        await expect(stroke('RequestApproval')).resolves.toBe('rgb(185, 28, 28)');
        await expect(stroke('FenceOldPrimary')).resolves.toBe('rgb(156, 163, 175)');
      }
      await page.close();
    }
  });

  test.each(HISTORY_FIXTURES)('%s: the timeline has a bar per state entry and the events table every event', async (name) => {
    const page = await open(name);
    const record = records.get(name)!;
    const entries = [...record.states.values()].reduce((a, s) => a + s.spans.length, 0);
    await expect(page.locator('svg.timeline .span').count()).resolves.toBe(entries);
    expect(entries).toBeGreaterThan(10);
    await expect(page.locator('table.events tbody tr').count()).resolves.toBe(loadHistory(name).length);
    await expect(page.locator('svg.timeline .span rect').first().boundingBox()).resolves.toMatchObject({ width: expect.any(Number) });
    await page.close();
  });

  test('the redrive is shown: a badge with the count, a marker, both attempts of the failed step, the event row, the idle hours left out', async () => {
    const page = await open('redriven');
    await expect(page.locator('#redrive-count').textContent()).resolves.toBe('redriven 1×');
    await expect(page.locator('svg.timeline .marker.m-redrive').count()).resolves.toBe(1);
    await expect(page.locator('svg.timeline .marker.m-redrive text').textContent()).resolves.toBe('redrive 1');
    const attempts = await page
      .locator('svg.timeline .span[data-state="ShiftTraffic"]')
      .evaluateAll((els) => els.map((el) => [el.getAttribute('data-attempt'), /\bstatus-([a-z-]+)/.exec(el.getAttribute('class') ?? '')?.[1]]));
    expect(attempts).toEqual([
      ['0', 'failed'],
      ['1', 'succeeded'],
    ]);
    await expect(page.locator('table.events tr[data-type="ExecutionRedriven"]').textContent()).resolves.toContain('redrive 1');
    // Two hours without an event become one break on the axis instead of squeezing the minutes that matter.
    await expect(page.locator('svg.timeline .axis-break').count()).resolves.toBe(1);
    await expect(page.locator('svg.timeline .axis-break text').textContent()).resolves.toContain('2 h 17 min');
    for (const other of ['succeeded', 'incomplete', 'rejected'] as const) {
      const p = await open(other);
      await expect(p.locator('#redrive-count').count()).resolves.toBe(0);
      await p.close();
    }
    await page.screenshot({ path: join(dir, 'redriven.png'), fullPage: true });
    await page.close();
  });
});
