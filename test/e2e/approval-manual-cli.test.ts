import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { httpCall } from '../../local/world/http';

const ROOT = join(__dirname, '..', '..');
type Line = { type: string } & Record<string, unknown>;

/** Starts `drctl drill --approve manual --json` and hands out its JSON lines as they come. */
function startManualDrill(): { child: ChildProcessWithoutNullStreams; next: (type: string) => Promise<Line>; lines: Line[] } {
  const child = spawn(
    join(ROOT, 'node_modules', '.bin', 'tsx'),
    [join(ROOT, 'cli', 'main.ts'), 'drill', '--approve', 'manual', '--json', '--config', join(ROOT, 'dr.config.json')],
    {
      cwd: mkdtempSync(join(tmpdir(), 'manual-drill-')),
      env: { ...process.env, NODE_OPTIONS: '' },
    },
  );
  const lines: Line[] = [];
  const waiters: Array<{ type: string; resolve: (l: Line) => void }> = [];
  const stderr: string[] = [];
  child.stderr.on('data', (c: Buffer) => stderr.push(c.toString()));
  createInterface({ input: child.stdout }).on('line', (text) => {
    const line = JSON.parse(text) as Line;
    lines.push(line);
    for (const w of waiters.filter((x) => x.type === line.type)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(line);
    }
  });
  const next = (type: string) =>
    new Promise<Line>((resolve, reject) => {
      const seen = lines.find((l) => l.type === type);
      if (seen) return resolve(seen);
      waiters.push({ type, resolve });
      child.once('exit', (code) => reject(new Error(`drill exited (${code}) before a "${type}" line: ${stderr.join('')}`)));
    });
  return { child, next, lines };
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe('drctl drill --approve manual --json: the emailed link as a person and as a mail scanner meet it', () => {
  it('fetching decides nothing, a bare POST decides nothing, a tampered link is refused, the verified form fails over, a resubmit gets 409', async () => {
    const { child, next, lines } = startManualDrill();
    try {
      const asked = await next('approval-requested');
      const url = String(asked.url);
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/approvals\/[A-Za-z0-9_-]{22}\?exp=\d+&sig=[A-Za-z0-9_-]{43}$/);

      // A scanner: GET many times, HEAD, a prefetch, then an auto-posted form without the page's fields.
      for (let i = 0; i < 5; i++) expect((await httpCall(url)).status).toBe(200);
      const head = await httpCall(url, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.body).toBe('');
      expect((await httpCall(url, { headers: { 'sec-purpose': 'prefetch', purpose: 'prefetch' } })).status).toBe(200);
      expect((await httpCall(url, { method: 'POST', body: '', headers: FORM })).status).toBe(403);
      expect((await httpCall(url, { method: 'POST', body: 'decision=approve&approver=oncall%40example.com', headers: FORM })).status).toBe(403);
      const tampered = url.replace(/sig=(.)/, (_, c: string) => `sig=${c === 'A' ? 'B' : 'A'}`);
      expect((await httpCall(tampered)).status).toBe(403);
      expect((await httpCall(url.replace(/exp=\d+/, (m) => `${m}1`))).status).toBe(403);
      // Still waiting: nothing past the approval ran.
      expect(lines.some((l) => l.type === 'state-entered' && l.state === 'FenceOldPrimary')).toBe(false);
      expect(lines.some((l) => l.type === 'summary')).toBe(false);

      // The person: open the page, ask for a code for their address, read it in their mailbox (the drill prints the
      // mail as an approver-code line), and submit the decision form with it.
      const page = await httpCall(url);
      const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1];
      const action = new URL(/<form method="post" action="([^"]*)"/.exec(page.body)![1].replace(/&amp;/g, '&'), url).toString();
      const codePage = await httpCall(action, {
        method: 'POST',
        body: new URLSearchParams({ csrf, step: 'code', approver: 'oncall@example.com' }).toString(),
        headers: FORM,
      });
      expect(codePage.status).toBe(200);
      const challenge = /name="challenge" value="([^"]+)"/.exec(codePage.body)![1];
      const mail = await next('approver-code');
      const mailed = /code: (\d{4} \d{4})/.exec(String(mail.message))![1];
      // The primary is dark: its heartbeat stopped, so the data at risk is unknown and approving means accepting it.
      expect(codePage.body).toContain('name="acceptDataLoss"');
      expect(page.body).toMatch(/Measured by replication heartbeat/);
      const body = new URLSearchParams({ csrf, step: 'decide', challenge, code: mailed, decision: 'approve', reason: '', acceptDataLoss: 'yes' }).toString();
      // Submitted twice (a double click): both are in flight together, so both reach the drill before it can end.
      const codes = await Promise.all([1, 2].map(() => httpCall(action, { method: 'POST', body, headers: FORM }).then((r) => r.status)));
      expect(codes.sort()).toEqual([200, 409]);

      const summary = await next('summary');
      expect(summary).toMatchObject({ outcome: 'FAILED_OVER', activeRegion: 'us-west-2', invariantsHeld: true });
      const code = await new Promise<number | null>((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', r)));
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill();
    }
  });
});
