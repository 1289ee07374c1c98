import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../config/load';
import { runDrill, type DrillSummary } from '../../local/drill';
import { DEFAULT_STALE_IF_ERROR_SECONDS } from '../../integration/site-state';

// The fail-safe window of the application's site-state client (integration/site-state, docs/integration.md) end to
// end: the drill's regional apps decide their writes with the same rules, and the load generator measures what
// clients see while the primary's SSM is away. Nothing else breaks, so nothing fails over.
const ROOT = join(__dirname, '..', '..');
const config = loadConfig(join(ROOT, 'dr.config.json'));

async function ssmOutage(minutes: number): Promise<DrillSummary> {
  const dir = mkdtempSync(join(tmpdir(), 'ssm-outage-'));
  const file = join(dir, 'ssm-outage.json');
  writeFileSync(
    file,
    JSON.stringify({
      name: 'ssm-outage',
      description: `SSM in the primary region is unreachable for ${minutes} minutes; nothing else breaks.`,
      faults: [{ at: '2m', kind: 'aws-api-down', service: 'ssm', region: 'primary', for: `${minutes}m` }],
      expect: { outcome: 'NO_ACTION', executions: 0 },
    }),
  );
  return runDrill({ config, scenario: file, approve: 'auto', outDir: join(dir, 'outbox') });
}

describe('site-state fail-safe in the drill', () => {
  it('SSM away for 3 minutes: writes go on for staleIfErrorSeconds on the last value, then are refused until SSM answers', async () => {
    const summary = await ssmOutage(3);
    expect(summary).toMatchObject({
      outcome: 'NO_ACTION',
      executions: 0,
      activeRegion: config.regions.primary.name,
      lostWrites: 0,
      invariantsHeld: true,
      matched: true,
    });
    expect(summary.downtimeMs).toBe(3 * 60_000 - DEFAULT_STALE_IF_ERROR_SECONDS * 1000);
  });

  it('SSM away for less than staleIfErrorSeconds: no write is refused', async () => {
    const summary = await ssmOutage(0.5);
    expect(summary).toMatchObject({ outcome: 'NO_ACTION', executions: 0, lostWrites: 0, invariantsHeld: true });
    expect(summary.downtimeMs).toBe(0);
  });
});
