import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { loadConfig } from '../../config/load';
import type { LocalControlPlane } from '../../local/control-plane';
import { runDrill, type DrillEvent, type DrillSummary } from '../../local/drill';
import type { LocalWorld } from '../../local/world/world';
import { Simulation } from '../../local/sim/virtual-time';

const ROOT = join(__dirname, '..', '..');
const CHROMIUM = '/usr/bin/chromium';
const APPROVER = 'oncall@example.com';
// In CI the browser tests must run (and fail without Chromium); elsewhere a missing Chromium skips them, loudly.
const runBrowserTests = existsSync(CHROMIUM) || process.env.CI === 'true';
if (!runBrowserTests) {
  console.warn(`SKIPPED test/browser/approval.test.ts: ${CHROMIUM} not found (apt-get update && apt-get install -y chromium). CI=true makes this a failure.`);
}
const describeBrowser = runBrowserTests ? describe : describe.skip;

interface ManualDrill {
  readonly url: string;
  readonly events: DrillEvent[];
  readonly world: LocalWorld;
  readonly controlPlane: LocalControlPlane;
  /** Lets the drill stop its world (until then the approval server keeps answering), then its summary. */
  finish(): Promise<DrillSummary>;
}

/**
 * `drctl drill --approve manual` in process: resolves once the approval email is out. The drill runs on its
 * virtual clock until it asks; from then on it follows real time (a person is answering). The approval server's
 * stop is held until `finish()`, so requests after the decision still reach it.
 */
async function startManualDrill(outDir: string): Promise<ManualDrill> {
  const events: DrillEvent[] = [];
  let handles!: { world: LocalWorld; controlPlane: LocalControlPlane };
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let asked!: (url: string) => void;
  const requested = new Promise<string>((r) => (asked = r));
  let releaseRealTime: (() => void) | undefined;
  const done = runDrill({
    config: loadConfig(join(ROOT, 'dr.config.json')),
    scenario: 'primary-down',
    approve: 'manual',
    outDir,
    onEvent: (e) => {
      events.push(e);
      if (e.type !== 'approval-requested') return;
      // From the link on, this test is the person in the loop: the drill follows real time until finish(), so
      // nothing the browser does (or its driver's own timers) races a virtual clock.
      releaseRealTime = Simulation.current()?.holdRealTime();
      asked(String(e.url));
    },
    inspect: (h) => {
      handles = h;
      const cp = h.controlPlane as { stop: () => Promise<void> };
      const stop = cp.stop;
      // Held only once there is a link to use: a drill that never asks must end on its own.
      cp.stop = async () => {
        if (events.some((e) => e.type === 'approval-requested')) await held;
        await stop();
      };
    },
  });
  const url = await Promise.race([
    requested,
    done.then((s) => Promise.reject(new Error(`drill ended ${s.outcome} before asking for approval; events: ${events.map((e) => e.type).join(', ')}`))),
  ]);
  return {
    url,
    events,
    world: handles.world,
    controlPlane: handles.controlPlane,
    finish: async () => {
      // A test that failed midway leaves the execution waiting for a person: end it now, not at the deadline.
      for (const r of handles.world.approvals.records.values()) {
        if (r.status === 'PENDING') await handles.controlPlane.broker.sendFailure(r.taskToken, 'TestAborted', 'the browser test stopped early').catch(() => undefined);
      }
      release();
      releaseRealTime?.();
      return done;
    },
  };
}

/** Opens `target` (a URL, or HTML to load) in a fresh tab, runs `submitScript` in it, and returns the POST's status. */
async function autoSubmit(context: BrowserContext, target: string, submitScript: string): Promise<number> {
  const page = await context.newPage();
  try {
    if (target.startsWith('http')) await page.goto(target);
    else await page.setContent(target);
    // Waits for the whole navigation (not just the response): closing a tab mid-navigation can hang Chromium.
    const [res] = await Promise.all([page.waitForNavigation(), page.evaluate(submitScript)]);
    expect(res?.request().method()).toBe('POST');
    return res!.status();
  } finally {
    await page.close();
  }
}

const record = (d: ManualDrill) => [...d.world.approvals.records.values()][0];
const exitedApproval = (d: ManualDrill) => d.events.some((e) => e.type === 'state-exited' && e.state === 'RequestApproval');

describeBrowser('approval page in headless Chromium (drill with --approve manual)', () => {
  let context: BrowserContext;
  let profile: string;
  let out: string;

  beforeAll(async () => {
    profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
    out = mkdtempSync(join(tmpdir(), 'approval-browser-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await context?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  it('a person opens the emailed link, reviews the request, approves, and the drill fails over; a resubmit gets 409', async () => {
    const drill = await startManualDrill(join(out, 'outbox-approve'));
    const page = await context.newPage();
    try {
      const opened = await page.goto(drill.url);
      expect(opened?.status()).toBe(200);
      expect(await page.title()).toBe('Approve regional failover?');
      expect(await page.locator('#verdict').textContent()).toBe('FAILOVER_WARRANTED');
      expect(await page.locator('#regions').textContent()).toBe('from us-east-1 to us-west-2');
      // The primary is dark: its replication heartbeat stopped, so the data at risk is unknown, and the page says why.
      expect(await page.locator('#rpo').textContent()).toMatch(/^Estimated data loss [\d.]+ s, but unknown for orders, customers, so it counts as over the RPO target of 5\.0 s/);
      expect(await page.locator('#rpo-method').textContent()).toContain('Measured by replication heartbeat');
      expect(await page.locator('#rpo-evidence li').count()).toBe(2);
      expect(await page.locator('#why').textContent()).toBe('Why you are asked: approval mode "required": a human always decides.');
      const csrf = (await page.locator('input[name="csrf"]').getAttribute('value'))!;

      await page.fill('#approver', APPROVER);
      // Approving an unknown loss takes saying so.
      await page.check('#acceptDataLoss');
      const [answer] = await Promise.all([page.waitForNavigation(), page.click('#approve')]);
      expect(answer?.request().method()).toBe('POST');
      expect(answer?.status()).toBe(200);
      // The form posted to the link it came from: exp and sig survived the round trip.
      expect(answer?.url()).toBe(drill.url);
      expect(await page.locator('#title').textContent()).toBe('Failover approved');
      const shot = join(out, 'approved.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect(statSync(shot).size).toBeGreaterThan(0);
      expect(record(drill)).toMatchObject({ status: 'APPROVED', decidedBy: APPROVER });

      // The same form again (a double submit, or a replay of the captured POST).
      const replay = await page.request.post(drill.url, { form: { csrf, decision: 'approve', approver: APPROVER, reason: '' } });
      expect(replay.status()).toBe(409);
      const back = await page.goto(drill.url);
      expect(back?.status()).toBe(409);
      expect(await page.locator('#title').textContent()).toBe('Already decided');
    } finally {
      await page.close();
      await drill.finish();
    }
    const summary = await drill.finish();
    expect(summary.outcome).toBe('FAILED_OVER');
    expect(summary.activeRegion).toBe('us-west-2');
    expect(summary.invariantsHeld).toBe(true);
  });

  it('a mail scanner (GET, HEAD, prefetch, rendering, auto-submitted forms) decides nothing; a tampered link gets 403', async () => {
    const drill = await startManualDrill(join(out, 'outbox-scanner'));
    const page = await context.newPage();
    try {
      // Link checkers fetch, sometimes repeatedly, sometimes HEAD first, sometimes as a prefetch.
      for (let i = 0; i < 3; i++) expect((await page.request.get(drill.url)).status()).toBe(200);
      const head = await page.request.fetch(drill.url, { method: 'HEAD' });
      expect(head.status()).toBe(200);
      expect((await head.body()).length).toBe(0);
      expect((await page.request.get(drill.url, { headers: { 'Sec-Purpose': 'prefetch', Purpose: 'prefetch' } })).status()).toBe(200);
      // Sandboxing scanners render the page in a real browser.
      expect((await page.goto(drill.url))?.status()).toBe(200);

      // ...and submit the forms they find, without pressing a button or filling anything in (each in a fresh tab).
      // Scripts are strings: they run in the page, and this project compiles without the DOM types.
      expect(await autoSubmit(context, drill.url, `document.querySelector('form').submit()`)).toBe(400);
      const withDecision = `const f = document.querySelector('form'); f.append(Object.assign(document.createElement('input'), { type: 'hidden', name: 'decision', value: 'approve' })); f.submit()`;
      expect(await autoSubmit(context, drill.url, withDecision)).toBe(400);
      // A form built elsewhere (no CSRF token from the page) and auto-posted at the link.
      const forgedForm = `<form method="post" action="${drill.url}"><input name="decision" value="approve"><input name="approver" value="${APPROVER}"></form>`;
      expect(await autoSubmit(context, forgedForm, 'document.forms[0].submit()')).toBe(403);

      // Nothing was decided: the record is PENDING and the execution still waits on its token.
      expect(record(drill).status).toBe('PENDING');
      expect(drill.controlPlane.broker.pending).toBe(1);
      expect(exitedApproval(drill)).toBe(false);
      expect(drill.controlPlane.approvalServer!.requests.every((r) => r.status < 500)).toBe(true);

      const tampered = drill.url.replace(/sig=(.)/, (_, c: string) => `sig=${c === 'A' ? 'B' : 'A'}`);
      expect((await page.goto(tampered))?.status()).toBe(403);
      expect(await page.locator('#title').textContent()).toBe('Invalid link');

      // A person ends it: reject, with the reason the page asks for.
      await page.goto(drill.url);
      await page.fill('#approver', APPROVER);
      await page.fill('#reason', 'browser test: scanner checks done');
      const [rejected] = await Promise.all([page.waitForNavigation(), page.click('#reject')]);
      expect(rejected?.request().method()).toBe('POST');
      expect(rejected?.status()).toBe(200);
      expect(await page.locator('#title').textContent()).toBe('Failover rejected');
    } finally {
      await page.close();
      await drill.finish();
    }
    const summary = await drill.finish();
    expect(summary.outcome).toBe('REJECTED');
    expect(summary.activeRegion).toBe('us-east-1');
  });
});
