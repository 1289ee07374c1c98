import { localApproverPrincipal } from '../../local/approver';
import { Harness, configWith, csrfOf, failoverInput, outcomeOf, primaryImpaired, STANDBY } from './harness';
import { useVirtualTime } from '../support/virtual-time';

// Retry intervals, Waits and timeouts take virtual time only: nothing here waits on the real clock.
useVirtualTime();

/**
 * Failure mode 24: someone who has the link and knows a listed approver's address (a forwarded email, a mail
 * scanner) but not that approver's mailbox or IAM identity decides nothing: deciding needs the one-time code mailed
 * to the address, or a session of the approver role (docs/adr/0017). And nothing they see tells them who is listed.
 */
const config = configWith({ traffic: 'route53-weighted', stores: ['dynamodb'], approval: { mode: 'required', timeoutSeconds: 900 } });
const APPROVER = 'oncall@example.com';

describe("FM24 an unverified person who knows an approver's address", () => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness(config);
    primaryImpaired(h.world);
  });
  afterEach(() => h.dispose());

  it('with the link, the address, every field filled and every button pressed, decides nothing; the approver then does', async () => {
    const ex = h.start(failoverInput(), 'inc-unverified');
    await h.quiesce();
    const record = h.waitingApproval(ex)!;
    const url = h.linkOf(record.approvalId)!;
    const page = await h.request('other', record.approvalId, 'GET', url);
    const csrf = csrfOf(page.body)!;
    // They ask for a code for the approver's address: the code goes to the approver's mailbox, not to them.
    const asked = await h.request('other', record.approvalId, 'POST', url, { csrf, step: 'code', approver: APPROVER });
    expect(asked.status).toBe(200);
    const challenge = /name="challenge" value="([^"]+)"/.exec(asked.body)![1];
    // Every guess they can make: the address, a made-up code, an empty code, the other buttons, the boxes.
    const guesses = [APPROVER, '0000 0000', '', '12345678', challenge];
    for (const code of guesses) {
      for (const decision of ['approve', 'reject']) {
        const res = await h.request('forged', record.approvalId, 'POST', url, {
          csrf,
          step: 'decide',
          challenge,
          code,
          decision,
          reason: APPROVER,
          acceptDataLoss: 'yes',
          approver: APPROVER,
        });
        expect([400, 403]).toContain(res.status);
      }
    }
    // By IAM without the approver role: an admin session, a user, the role in another account.
    for (const principal of [
      'arn:aws:sts::111122223333:assumed-role/Admin/mallory',
      'arn:aws:iam::111122223333:user/mallory',
      localApproverPrincipal(config.application, STANDBY).replace('000000000000', '999999999999'),
    ]) {
      expect((await h.decideAsIam(ex, 'approve', principal)).status).toBe(403);
    }
    expect(h.broker.answered).toEqual([]);
    expect(h.world.approvals.records.get(record.approvalId)!.status).toBe('PENDING');
    expect(h.world.effects.timeline).toEqual([]);
    expect(h.world.audit.entries.filter((e) => e.step === 'ApprovalCallback' && e.outcome === 'REFUSED').length).toBeGreaterThanOrEqual(10);

    // The listed approver, reading the code in their own mailbox, decides.
    expect((await h.decide(record, 'approve')).status).toBe(200);
    expect(outcomeOf(await h.result(ex))).toBe('FAILED_OVER');
    expect(h.world.approvals.records.get(record.approvalId)).toMatchObject({ status: 'APPROVED', decidedBy: APPROVER });
  });

  it('a session of the approver role decides by IAM, and its ARN is what the record and the task output say', async () => {
    const ex = h.start(failoverInput(), 'inc-iam');
    await h.quiesce();
    const record = h.waitingApproval(ex)!;
    const principal = localApproverPrincipal(config.application, STANDBY, 'alice');
    const res = await h.decideAsIam(ex, 'approve', principal);
    expect(res).toMatchObject({ status: 200, body: { outcome: 'approved', decidedBy: principal } });
    expect(outcomeOf(await h.result(ex))).toBe('FAILED_OVER');
    expect(h.world.approvals.records.get(record.approvalId)).toMatchObject({ status: 'APPROVED', decidedBy: principal });
    expect(h.broker.answered[0].output).toMatchObject({ approver: principal, verifiedBy: 'iam' });
  });
});
