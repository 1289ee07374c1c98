import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

/**
 * The AWS SDK clients each Lambda bundle carries, pinned: a composition root (functions/<name>/aws-deps.ts) wires only
 * the adapters its use case calls, so esbuild leaves every other client out. A list changes together with the
 * function's IAM grants (infra/constructs/task-functions/*-grants.ts; the infra tests pin the exact statements): a
 * client bundled without a grant is dead weight at cold start and a call that would be denied.
 */
const EXPECTED: Record<string, readonly string[]> = {
  'alarm-trigger': ['client-cloudwatch', 'client-dynamodb', 'client-sfn', 'client-sns', 'client-ssm'],
  'approval-callback': ['client-dynamodb', 'client-secrets-manager', 'client-sfn', 'client-sns'],
  'approval-request': ['client-dynamodb', 'client-secrets-manager', 'client-sns'],
  // Lag evidence and the replicas' items: CloudWatch, DynamoDB, S3. It never promotes, so no RDS.
  'data-consistency-validator': ['client-cloudwatch', 'client-dynamodb', 'client-s3'],
  // Promotion is all it asks of the data stores (RDS); no S3 or CloudWatch, which it has no permission for.
  'failover-orchestrator': ['client-auto-scaling', 'client-dynamodb', 'client-ecs', 'client-lambda', 'client-rds', 'client-ssm'],
  'failure-reporter': ['client-dynamodb', 'client-sfn', 'client-sns'],
  'health-checker': ['client-cloudwatch', 'client-dynamodb'],
  'replication-heartbeat': ['client-dynamodb', 'client-s3'],
  'site-state-reconciler': ['client-dynamodb', 'client-sns', 'client-ssm'],
  'traffic-router': ['client-dynamodb', 'client-route-53', 'client-route53-recovery-cluster'],
};

const ROOT = resolve(__dirname, '../../..');

interface BundleContents {
  /** `@aws-sdk/client-*` packages with code in the bundle. */
  readonly clients: string[];
  /** Bytes of zod's non-English locales: only there when some file imports `{ z }` (zod's namespace object, not tree-shakeable). */
  readonly zodLocaleBytes: number;
}

const built = new Map<string, Promise<BundleContents>>();

/** What the handler's bundle holds, built as infra's NodejsFunction builds it (tree-shaken); once per handler per file. */
function bundleOf(name: string): Promise<BundleContents> {
  let contents = built.get(name);
  if (!contents) {
    contents = bundle(join(ROOT, 'functions', name, 'handler.ts'));
    built.set(name, contents);
  }
  return contents;
}

async function bundle(handler: string): Promise<BundleContents> {
  const result = await build({
    entryPoints: [handler],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    mainFields: ['module', 'main'],
    write: false,
    outfile: 'handler.js',
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: ROOT,
  });
  const clients = new Set<string>();
  let zodLocaleBytes = 0;
  for (const output of Object.values(result.metafile.outputs))
    for (const [path, input] of Object.entries(output.inputs)) {
      const m = /node_modules\/@aws-sdk\/(client-[^/]+)\//.exec(path);
      if (m && input.bytesInOutput > 0) clients.add(m[1]);
      if (/node_modules\/zod\/v4\/locales\/(?!en\.)/.test(path)) zodLocaleBytes += input.bytesInOutput;
    }
  return { clients: [...clients].sort(), zodLocaleBytes };
}

describe('what each Lambda bundle carries', () => {
  it('every function with a handler is pinned here', () => {
    const dir = join(ROOT, 'functions');
    // The canary runs in Synthetics with the runtime's SDK: not a Lambda bundle.
    const handlers = readdirSync(dir).filter((d) => d !== 'canary' && existsSync(join(dir, d, 'handler.ts')));
    expect(handlers.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))('%s carries exactly the SDK clients it calls', async (name, clients) => {
    expect((await bundleOf(name)).clients).toEqual(clients);
  });

  // `import * as z from 'zod'`, never `import { z }`: the latter pulls every locale in (about 255 KB minified).
  it.each(Object.keys(EXPECTED))('%s carries none of zod’s non-English locales', async (name) => {
    expect((await bundleOf(name)).zodLocaleBytes).toBe(0);
  });
});
