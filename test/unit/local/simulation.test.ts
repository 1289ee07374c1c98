import { SimNetwork, json, NetworkError } from '../../../local/sim/network';
import { createRng } from '../../../local/sim/random';
import { SIM_EPOCH, Simulation, SimulationDeadlockError, simulate } from '../../../local/sim/virtual-time';

describe('the virtual clock', () => {
  it('jumps to the next timer only when nothing is left to do now, so an hour costs no real time', async () => {
    const log = await simulate(async () => {
      const out: string[] = [];
      setTimeout(() => out.push(`timer@${Date.now() - SIM_EPOCH}`), 3_600_000);
      // Work at the current instant (a chain of promise jobs) always finishes before time moves.
      let chain = Promise.resolve();
      for (let i = 0; i < 100; i++) chain = chain.then(() => void out.push(`job@${Date.now() - SIM_EPOCH}`));
      await chain;
      await new Promise((r) => setTimeout(r, 3_600_001));
      return out;
    });
    expect(log.filter((l) => l === 'job@0')).toHaveLength(100);
    expect(log.at(-1)).toBe('timer@3600000');
  });

  it('the same seed gives the same Math.random stream; the clock and Math.random are restored afterwards', async () => {
    const draw = () => simulate(async () => [Math.random(), Math.random(), Date.now()], { seed: 9 });
    expect(await draw()).toEqual(await draw());
    expect(await simulate(async () => Math.random(), { seed: 10 })).not.toBe((await draw())[0]);
    expect(Math.abs(Date.now() - SIM_EPOCH)).toBeGreaterThan(1000);
    expect(Simulation.current()).toBeUndefined();
  });

  it('node:timers is on the virtual clock too (@middy/core takes its setTimeout from there), and is restored after', async () => {
    const nodeTimers = require('node:timers') as typeof import('node:timers');
    const realSetTimeout = nodeTimers.setTimeout;
    const firedAt = await simulate(() => new Promise<number>((resolve) => nodeTimers.setTimeout(() => resolve(Date.now() - SIM_EPOCH), 3_600_000)));
    expect(firedAt).toBe(3_600_000);
    expect(nodeTimers.setTimeout).toBe(realSetTimeout);
  });

  it('a goal that nothing can ever settle is a deadlock, not a hang', async () => {
    await expect(simulate(() => new Promise(() => undefined))).rejects.toBeInstanceOf(SimulationDeadlockError);
  });

  it('one simulation at a time', async () => {
    const sim = Simulation.install();
    try {
      expect(() => Simulation.install()).toThrow(/already running/);
    } finally {
      sim.uninstall();
    }
  });

  it('with a person in the loop, virtual time follows real time and never jumps ahead', async () => {
    const realStart = performance.now();
    const elapsed = await simulate(async (sim) => {
      const release = sim.holdRealTime();
      const t0 = Date.now();
      // A 60 s timer would be reached at once without the hold.
      const fired = new Promise<number>((r) => setTimeout(() => r(Date.now() - t0), 60_000));
      await new Promise((r) => setTimeout(r, 120));
      const waited = Date.now() - t0;
      release();
      await fired;
      return waited;
    });
    // 120 virtual ms took at least 120 real ms: a hold never scales what a person does.
    expect(performance.now() - realStart).toBeGreaterThanOrEqual(100);
    expect(elapsed).toBeGreaterThanOrEqual(120);
  });
});

describe('seeded randomness', () => {
  it('named streams are independent: drawing from one does not shift another', () => {
    const a = createRng(5);
    const b = createRng(5);
    a.fork('network').next();
    expect(a.fork('router').next()).toBe(b.fork('router').next());
    expect(createRng(5).int(0, 1_000_000)).not.toBe(createRng(6).int(0, 1_000_000));
  });
});

describe('the in-process network', () => {
  const net = () => {
    const n = new SimNetwork(createRng(1), ['us-east-1', 'us-west-2']);
    let down = false;
    const url = n.host('app.test', 'us-east-1', async () => json(200, { ok: true }), { refuses: () => down });
    return { n, url, setDown: (v: boolean) => (down = v) };
  };

  it('answers after a cross-region round trip of virtual latency', async () => {
    await simulate(async () => {
      const { n, url } = net();
      const t0 = Date.now();
      const res = await n.request(`${url}/health`, { from: 'canary:us-west-2', timeoutMs: 2_000 });
      expect(res.status).toBe(200);
      const rtt = Date.now() - t0;
      expect(rtt).toBeGreaterThanOrEqual(60);
      expect(rtt).toBeLessThanOrEqual(80);
    });
  });

  it('a host that is down refuses; across a partition only the timeout answers', async () => {
    await simulate(async () => {
      const { n, url, setDown } = net();
      setDown(true);
      await expect(n.request(url, { from: 'clients', timeoutMs: 2_000 })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      setDown(false);
      const heal = n.partition('canary:us-west-2', 'us-east-1');
      const t0 = Date.now();
      await expect(n.request(url, { from: 'canary:us-west-2', timeoutMs: 2_000 })).rejects.toBeInstanceOf(NetworkError);
      expect(Date.now() - t0).toBe(2_000);
      // Other parties still get through, and healing restores the path.
      expect((await n.request(url, { from: 'canary:us-east-1', timeoutMs: 2_000 })).status).toBe(200);
      heal();
      expect((await n.request(url, { from: 'canary:us-west-2', timeoutMs: 2_000 })).status).toBe(200);
    });
  });

  it('a partition between two regions cuts every party located in them', () => {
    const { n } = net();
    n.partition('us-west-2', 'us-east-1');
    expect(n.blocked('canary:us-west-2', 'us-east-1')).toBe(true);
    expect(n.blocked('us-west-2', 'us-east-1')).toBe(true);
    expect(n.blocked('clients', 'us-east-1')).toBe(false);
  });
});
