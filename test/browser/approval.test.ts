import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { loadConfig } from '../../config/load';
import { mailedCode } from '../../local/approver';
import type { LocalControlPlane } from '../../local/control-plane';
import { runDrill, type DrillEvent, type DrillSummary } from '../../local/drill';
import type { LocalWorld } from '../../local/world/world';
import { Simulation } from '../../local/sim/virtual-time';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/chromium';

const ROOT = join(__dirname, '..', '..');
const APPROVER = 'oncall@example.com';
/** An iPhone-sized viewport: the on-call engineer's phone. */
const PHONE = { width: 390, height: 844 };
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
async function startManualDrill(outDir: string, scenario = 'primary-down'): Promise<ManualDrill> {
  const events: DrillEvent[] = [];
  let handles!: { world: LocalWorld; controlPlane: LocalControlPlane };
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let asked!: (url: string) => void;
  const requested = new Promise<string>((r) => (asked = r));
  let releaseRealTime: (() => void) | undefined;
  const done = runDrill({
    config: loadConfig(join(ROOT, 'dr.config.json')),
    scenario,
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
        if (r.status === 'PENDING')
          await handles.controlPlane.broker.sendFailure(r.taskToken, 'TestAborted', 'the browser test stopped early').catch(() => undefined);
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

/** Runs `act` and returns the navigation it caused, or null when none came within `ms` (Enter that submits nothing). */
async function navigationOf(page: Page, act: () => Promise<unknown>, ms = 1_500) {
  const nav = page.waitForNavigation({ timeout: ms }).catch(() => null);
  await act();
  return nav;
}

/** The page is no wider than the phone: nothing to scroll sideways. */
async function fitsThePhone(page: Page): Promise<void> {
  const widths = (await page.evaluate('[document.documentElement.scrollWidth, document.body.scrollWidth, window.innerWidth]')) as number[];
  expect({ url: page.url(), widths }).toEqual({ url: page.url(), widths: [PHONE.width, PHONE.width, PHONE.width] });
}

const record = (d: ManualDrill) => [...d.world.approvals.records.values()][0];
const exitedApproval = (d: ManualDrill) => d.events.some((e) => e.type === 'state-exited' && e.state === 'RequestApproval');
const VISIBLE_FIELDS = 'input:not([type=hidden]):not([type=checkbox]), textarea';

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
      viewport: PHONE,
      args: [...CHROMIUM_ARGS],
    });
  });
  afterAll(async () => {
    await context?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  it('on a phone, a listed approver asks for a code, reads it in their mailbox, and approves; Enter never approves; the drill fails over', async () => {
    const drill = await startManualDrill(join(out, 'outbox-approve'), 'replication-lag');
    const page = await context.newPage();
    try {
      const opened = await page.goto(drill.url);
      expect(opened?.status()).toBe(200);
      expect(await page.title()).toBe('Approve regional failover?');
      expect(await page.locator('#verdict').textContent()).toBe('FAILOVER_WARRANTED');
      expect(await page.locator('#regions').textContent()).toBe('from us-east-1 to us-west-2');
      // The primary is dark: its replication heartbeat stopped, so the data at risk is unknown, and the page says why.
      expect(await page.locator('#rpo').textContent()).toMatch(
        /^Estimated data loss [\d.]+ s, but unknown for orders, customers, so it counts as over the RPO target of 5\.0 s/,
      );
      expect(await page.locator('#rpo-method').textContent()).toContain('Measured by replication heartbeat');
      expect(await page.locator('#rpo-evidence li').count()).toBe(2);
      expect(await page.locator('#why').textContent()).toBe(
        'Why you are asked: the data at risk is unknown for orders (heartbeat stale), customers (heartbeat stale), and unknown is never within the RPO target.',
      );
      // The loss per store, the evidence with its times, and where to look in the console.
      expect(await page.locator('#stores tbody tr').count()).toBe(2);
      expect(await page.locator('#evidence li').count()).toBeGreaterThan(0);
      expect(await page.locator('#evidence .since').first().textContent()).toMatch(/\d\d:\d\d:\d\d UTC/);
      expect(await page.locator('#execution-link').getAttribute('href')).toContain('/states/home?region=us-west-2#/v2/executions/details/');
      expect(await page.locator('#dashboard-link').getAttribute('href')).toContain('#dashboards/dashboard/orders-dr-us-west-2');
      await fitsThePhone(page);

      // Step 1: the address, and Enter (it only asks for a code).
      await page.fill('#approver', APPROVER);
      const asked = await navigationOf(page, () => page.press('#approver', 'Enter'));
      expect(asked?.status()).toBe(200);
      expect(await page.locator('#notice').textContent()).toContain(`If ${APPROVER} is on the approver list`);
      await fitsThePhone(page);
      const challenge = (await page.locator('input[name="challenge"]').getAttribute('value'))!;
      const code = mailedCode(drill.world.notifier.outbox, APPROVER, challenge)!;
      expect(code).toMatch(/^\d{4} \d{4}$/);

      // Step 2: the code, the box, and Enter in every field: in the reason it is a new line, elsewhere the form
      // only comes back with a reminder.
      await page.fill('#code', code);
      expect(await navigationOf(page, () => page.press('#reason', 'Enter'), 1_000)).toBeNull();
      for (const field of ['#code', '#acceptDataLoss']) {
        await page.fill('#code', code);
        await page.check('#acceptDataLoss');
        const enter = await navigationOf(page, () => page.press(field, 'Enter'), 10_000);
        expect(enter?.status()).toBe(400);
        expect(await page.locator('#error').textContent()).toContain('Enter does not decide');
      }
      expect(record(drill).status).toBe('PENDING');
      expect(exitedApproval(drill)).toBe(false);

      // Approving is pressing Approve.
      await page.fill('#code', code);
      await page.check('#acceptDataLoss');
      const answer = await navigationOf(page, () => page.click('#approve'), 10_000);
      expect(answer?.request().method()).toBe('POST');
      expect(answer?.status()).toBe(200);
      // The form posted to the link it came from: exp and sig survived the round trip.
      expect(answer?.url()).toBe(drill.url);
      expect(await page.locator('#title').textContent()).toBe('Failover approved');
      await fitsThePhone(page);
      const shot = join(out, 'approved-phone.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect(statSync(shot).size).toBeGreaterThan(0);
      expect(record(drill)).toMatchObject({ status: 'APPROVED', decidedBy: APPROVER });
      expect(drill.world.notifier.outbox.some((m) => m.topic === 'alert' && m.subject.includes(`approved by ${APPROVER}`))).toBe(true);

      // The same request again (a double submit, or a replay of the captured POST), and the link afterwards.
      const replay = await page.request.post(drill.url, {
        form: { csrf: record(drill).csrfToken, step: 'decide', challenge, code, decision: 'approve', acceptDataLoss: 'yes', reason: '' },
      });
      expect(replay.status()).toBe(409);
      const back = await page.goto(drill.url);
      expect(back?.status()).toBe(409);
      expect(await page.locator('#title').textContent()).toBe('Already decided');
      await fitsThePhone(page);
    } finally {
      await page.close();
      await drill.finish();
    }
    const summary = await drill.finish();
    expect(summary.outcome).toBe('FAILED_OVER');
    expect(summary.activeRegion).toBe('us-west-2');
    expect(summary.invariantsHeld).toBe(true);
  });

  it("a sandboxing scanner with the recipient's address (fills every field, ticks every box, presses Enter everywhere, clicks every button, in either order) decides nothing", async () => {
    const drill = await startManualDrill(join(out, 'outbox-scanner'), 'replication-lag');
    const page = await context.newPage();
    const statuses: number[] = [];
    try {
      // Link checkers fetch, sometimes repeatedly, sometimes HEAD first, sometimes as a prefetch.
      for (let i = 0; i < 3; i++) expect((await page.request.get(drill.url)).status()).toBe(200);
      const head = await page.request.fetch(drill.url, { method: 'HEAD' });
      expect(head.status()).toBe(200);
      expect((await head.body()).length).toBe(0);
      expect((await page.request.get(drill.url, { headers: { 'Sec-Purpose': 'prefetch', Purpose: 'prefetch' } })).status()).toBe(200);
      // ...and submit the forms they find, without pressing a button (scripts are strings: no DOM types here).
      expect(await autoSubmit(context, drill.url, `document.querySelector('form').submit()`)).toBe(400);
      const forgedForm = `<form method="post" action="${drill.url}"><input name="step" value="decide"><input name="decision" value="approve"><input name="approver" value="${APPROVER}"></form>`;
      expect(await autoSubmit(context, forgedForm, 'document.forms[0].submit()')).toBe(403);

      const fillEverything = async (order: 'forward' | 'reverse') => {
        const fields = await page.locator(VISIBLE_FIELDS).all();
        for (const f of order === 'forward' ? fields : fields.reverse()) await f.fill(APPROVER);
        for (const box of await page.locator('input[type=checkbox]').all()) await box.check();
      };
      for (const order of ['forward', 'reverse'] as const) {
        // Page 1: every field, Enter in it, and every button: at most, a code goes to the recipient's mailbox.
        await page.goto(drill.url);
        await fillEverything(order);
        const viaEnter = await navigationOf(page, () => page.press('#approver', 'Enter'));
        statuses.push(viaEnter?.status() ?? 0);
        await page.goto(drill.url);
        await fillEverything(order);
        const viaClick = await navigationOf(page, () => page.click('button:visible'));
        statuses.push(viaClick?.status() ?? 0);
        // Page 2 (the decision form): the address in every field, every box, Enter everywhere, then every button.
        await fillEverything(order);
        const fieldIds = await page
          .locator(`#decide-form :is(${VISIBLE_FIELDS}, input[type=checkbox])`)
          .evaluateAll((fs) => fs.map((f) => (f as unknown as { id: string }).id));
        for (const id of order === 'forward' ? fieldIds : [...fieldIds].reverse()) {
          await fillEverything(order);
          // Enter in the reason is a new line; in any other field it submits through the hidden no-decision button.
          const nav = await navigationOf(page, () => page.press(`#${id}`, 'Enter'), id === 'reason' ? 1_000 : 10_000);
          statuses.push(nav?.status() ?? 0);
          if (nav) expect(await page.locator('#error').textContent()).toContain('Enter does not decide');
        }
        const buttons = await page.locator('#decide-form button:visible').evaluateAll((bs) => bs.map((b) => (b as unknown as { id: string }).id));
        for (const id of order === 'forward' ? buttons : [...buttons].reverse()) {
          await fillEverything(order);
          const nav = await navigationOf(page, () => page.click(`#${id}`), 10_000);
          statuses.push(nav?.status() ?? 0);
          // Refused, and back on the decision form with the same message whatever was tried.
          expect(await page.locator('#decide-form').count()).toBe(1);
          expect(await page.locator('#error').textContent()).toContain('Code not accepted');
        }
      }
      // Per order: two code pages (Enter and the button on page 1), Enter in the code field and on the box (400: a
      // reminder), Enter in the reason (a new line, no request), and the two buttons (403: no valid code).
      expect(statuses.filter((s) => s === 200)).toHaveLength(4);
      expect(statuses.filter((s) => s === 400)).toHaveLength(4);
      expect(statuses.filter((s) => s === 0)).toHaveLength(2);
      expect(statuses.filter((s) => s === 403)).toHaveLength(4);

      // Nothing was decided: the record is PENDING and the execution still waits on its token.
      expect(record(drill).status).toBe('PENDING');
      expect(drill.controlPlane.broker.pending).toBe(1);
      expect(exitedApproval(drill)).toBe(false);
      expect(drill.controlPlane.approvalServer!.requests.every((r) => r.status < 500)).toBe(true);
      // The codes went to the recipient's mailbox, where the scanner cannot read them.
      expect(drill.world.notifier.outbox.filter((m) => m.topic === 'approver-code').every((m) => m.attributes?.recipient === APPROVER)).toBe(true);

      const tampered = drill.url.replace(/sig=(.)/, (_, c: string) => `sig=${c === 'A' ? 'B' : 'A'}`);
      expect((await page.goto(tampered))?.status()).toBe(403);
      expect(await page.locator('#title').textContent()).toBe('Invalid link');

      // A person ends it: reject, with the reason the page asks for; an error page first leads back to the form.
      await page.goto(drill.url);
      await page.fill('#approver', APPROVER);
      await navigationOf(page, () => page.click('#send-code'));
      const challenge = (await page.locator('input[name="challenge"]').getAttribute('value'))!;
      await page.fill('#code', mailedCode(drill.world.notifier.outbox, APPROVER, challenge)!);
      const noReason = await navigationOf(page, () => page.click('#reject'), 10_000);
      expect(noReason?.status()).toBe(400);
      expect(await page.locator('#error').textContent()).toContain('Say why you reject');
      await fitsThePhone(page);
      await page.fill('#code', mailedCode(drill.world.notifier.outbox, APPROVER, challenge)!);
      await page.fill('#reason', 'browser test: scanner checks done\u202E');
      const rejected = await navigationOf(page, () => page.click('#reject'), 10_000);
      expect(rejected?.status()).toBe(200);
      expect(await page.locator('#title').textContent()).toBe('Failover rejected');
      expect(record(drill)).toMatchObject({ status: 'REJECTED', decidedBy: APPROVER, reason: 'browser test: scanner checks done' });
    } finally {
      await page.close();
      await drill.finish();
    }
    const summary = await drill.finish();
    expect(summary.outcome).toBe('REJECTED');
    expect(summary.activeRegion).toBe('us-east-1');
  });

  it('200 requests a second from one client address do not keep the approver, at another, from approving', async () => {
    const drill = await startManualDrill(join(out, 'outbox-flood'));
    const page = await context.newPage();
    const server = new URL(drill.controlPlane.approvalServer!.url);
    const flood: number[] = [];
    let inFlight = 0;
    // One request every 5 ms from 127.0.0.2 (the same machine, another loopback address), a new connection each.
    const timer = setInterval(() => {
      inFlight++;
      const req = httpRequest(
        { host: server.hostname, port: server.port, path: new URL(drill.url).pathname + new URL(drill.url).search, localAddress: '127.0.0.2', agent: false },
        (res) => {
          res.resume();
          res.on('end', () => {
            inFlight--;
            flood.push(res.statusCode ?? 0);
          });
        },
      );
      req.on('error', () => {
        inFlight--;
        flood.push(-1);
      });
      req.end();
    }, 5);
    try {
      // Let the flood pass its allowance first: from then on that address is refused.
      while (flood.length < 100) await new Promise((r) => setTimeout(r, 20));
      expect(await page.goto(drill.url).then((r) => r?.status())).toBe(200);
      await page.fill('#approver', APPROVER);
      expect((await navigationOf(page, () => page.click('#send-code')))?.status()).toBe(200);
      const challenge = (await page.locator('input[name="challenge"]').getAttribute('value'))!;
      await page.fill('#code', mailedCode(drill.world.notifier.outbox, APPROVER, challenge)!);
      await page.check('#acceptDataLoss');
      const approved = await navigationOf(page, () => page.click('#approve'), 10_000);
      expect(approved?.status()).toBe(200);
      expect(await page.locator('#title').textContent()).toBe('Failover approved');
    } finally {
      clearInterval(timer);
      while (inFlight > 0) await new Promise((r) => setTimeout(r, 20));
      await page.close();
      await drill.finish();
    }
    const requests = drill.controlPlane.approvalServer!.requests;
    const fromFlood = requests.filter((r) => r.client === '127.0.0.2');
    const fromApprover = requests.filter((r) => r.client !== '127.0.0.2');
    expect(fromFlood.length).toBeGreaterThanOrEqual(100);
    expect(fromFlood.filter((r) => r.status === 429).length).toBeGreaterThan(fromFlood.length / 2);
    expect(fromFlood.filter((r) => r.status !== 429).length).toBeLessThanOrEqual(60);
    expect(fromApprover.every((r) => r.status < 400)).toBe(true);
    const summary = await drill.finish();
    expect(summary.outcome).toBe('FAILED_OVER');
  });
});
