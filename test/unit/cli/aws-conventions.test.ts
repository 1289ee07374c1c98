/**
 * drctl's AWS commands behave like the AWS CLI: --profile / AWS_PROFILE through the SDK's own credential
 * chain and shared files, --region, --output json, --version, and exit codes 0/1/2 with one line on
 * stderr whatever AWS (or something pretending to be AWS) answers.
 *
 * These tests build the real clients (no `clients` injected), so the profile really goes through the
 * SDK v3 provider chain and temporary AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE files.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ListExecutionsCommand, ListStateMachinesCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { run, type ProgramDeps } from '../../../cli/main';
import { EAST, WEST, shopConfigInput } from '../../support/shop-config';
import { capturedIo } from '../../support/drctl';

const input = shopConfigInput;

// Every variable the SDK's chain or the AWS CLI conventions read: each test starts from none of them.
const AWS_ENV = [
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_ENDPOINT_URL',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_EC2_METADATA_DISABLED',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_ROLE_ARN',
  'DRCTL_DEBUG',
];
const saved = Object.fromEntries(AWS_ENV.map((k) => [k, process.env[k]]));

let dir: string;
let configFile: string;
let awsConfig: string;
let awsCredentials: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'drctl-conventions-'));
  configFile = join(dir, 'dr.config.json');
  writeFileSync(configFile, JSON.stringify(input));
  awsConfig = join(dir, 'aws-config');
  awsCredentials = join(dir, 'aws-credentials');
  writeFileSync(
    awsConfig,
    [
      '[profile prod]',
      'region = eu-west-1',
      '',
      '[profile staging]',
      'region = us-west-2',
      '',
      '[profile region-only]',
      'region = us-west-2',
      '',
      '[sso-session corp]',
      'sso_region = us-east-1',
      'sso_start_url = https://corp.example.com/start',
      '',
    ].join('\n'),
  );
  writeFileSync(
    awsCredentials,
    [
      '[prod]',
      'aws_access_key_id = AKIAPRODEXAMPLE',
      'aws_secret_access_key = prod-secret',
      '',
      '[staging]',
      'aws_access_key_id = AKIASTAGINGEXAMPLE',
      'aws_secret_access_key = staging-secret',
      '',
    ].join('\n'),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeEach(() => {
  for (const k of AWS_ENV) delete process.env[k];
  process.env.AWS_CONFIG_FILE = awsConfig;
  process.env.AWS_SHARED_CREDENTIALS_FILE = awsCredentials;
  // No instance metadata service here: without this the chain's last link waits for one.
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
});
afterAll(() => {
  for (const k of AWS_ENV) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

async function drctl(args: string[], deps: ProgramDeps = {}): Promise<{ code: number; out: string; err: string }> {
  const captured = capturedIo();
  const code = await run(args, {
    io: captured.io,
    now: () => new Date('2026-11-22T03:04:05Z'),
    ...deps,
  });
  const { out, err } = captured.text();
  process.exitCode = undefined;
  return { code, out, err };
}

const oneLine = (text: string) => {
  expect(text.trim().split('\n')).toHaveLength(1);
  expect(text).not.toMatch(/\n\s+at /);
};

describe('drctl --version and --help', () => {
  test('--version prints the version in package.json, like `aws --version`', async () => {
    const { version } = JSON.parse(readFileSync(resolve(__dirname, '..', '..', '..', 'package.json'), 'utf8'));
    const { code, out } = await drctl(['--version']);
    expect(code).toBe(0);
    expect(out.trim()).toBe(`drctl/${version} node/${process.version} ${process.platform}/${process.arch}`);
  });

  test('the top-level help documents the exit codes and the AWS conventions', async () => {
    const { code, out } = await drctl(['--help']);
    expect(code).toBe(0);
    expect(out).toMatch(/Exit codes: 0 done; 1 the command ran and the outcome is bad .*; 2 usage, config, credentials, or AWS unreachable/s);
    expect(out).toContain('--profile, --region and --output json');
  });

  test.each(['failover', 'failback', 'status', 'history'])(
    '%s takes --profile, --region, --output and --json and documents its exit codes',
    async (command) => {
      const { code, out } = await drctl([command, '--help']);
      expect(code).toBe(0);
      for (const flag of ['--profile <name>', '--region <region>', '--output <format>', '--json', '--config <file>']) expect(out).toContain(flag);
      expect(out).toMatch(/choices: "json", "text"/);
      expect(out).toMatch(/Exit codes: 0 .*; 2 /);
    },
  );
});

describe('profiles, as the AWS CLI resolves them', () => {
  type Stub = ReturnType<typeof mockClient>;
  // Every instance of the classes, so the clients drctl builds itself are the ones mocked; restored
  // before the tests below that need the real SDK stack.
  let sfnMock: Stub;
  let ssmMock: Stub;
  beforeAll(() => {
    sfnMock = mockClient(SFNClient) as unknown as Stub;
    ssmMock = mockClient(SSMClient) as unknown as Stub;
  });
  afterAll(() => {
    sfnMock.restore();
    ssmMock.restore();
  });
  /** The access key each call was signed with, as the client's credential provider resolved it. */
  let keysUsed: string[];

  beforeEach(() => {
    sfnMock.reset();
    ssmMock.reset();
    keysUsed = [];
    // What the SDK's signer does before every request: ask the client's credential provider.
    const record = async (getClient: () => unknown) => {
      const client = getClient() as { config: { credentials: () => Promise<{ accessKeyId: string }> } };
      keysUsed.push((await client.config.credentials()).accessKeyId);
    };
    ssmMock.on(GetParameterCommand).callsFake(async (cmd: { Name: string }, getClient: () => unknown) => {
      await record(getClient);
      return { Parameter: { Name: cmd.Name, Value: cmd.Name.endsWith(EAST) ? 'ACTIVE' : 'PASSIVE' } };
    });
    sfnMock.on(ListStateMachinesCommand).callsFake(async (_cmd: unknown, getClient: () => unknown) => {
      await record(getClient);
      return { stateMachines: [] };
    });
    sfnMock.on(ListExecutionsCommand).resolves({ executions: [] });
  });

  test("--profile signs with that profile's keys from AWS_SHARED_CREDENTIALS_FILE", async () => {
    const { code, err } = await drctl(['status', '--profile', 'prod', '--config', configFile]);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(keysUsed.length).toBeGreaterThan(0);
    expect(new Set(keysUsed)).toEqual(new Set(['AKIAPRODEXAMPLE']));
  });

  test('AWS_PROFILE is honoured, and --profile wins over it', async () => {
    process.env.AWS_PROFILE = 'staging';
    await drctl(['status', '--config', configFile]);
    expect(new Set(keysUsed)).toEqual(new Set(['AKIASTAGINGEXAMPLE']));
    keysUsed = [];
    await drctl(['status', '--profile', 'prod', '--config', configFile]);
    expect(new Set(keysUsed)).toEqual(new Set(['AKIAPRODEXAMPLE']));
  });

  test("the profile's own region never moves the call: regions come from the config", async () => {
    // prod's region is eu-west-1; the switch is still read in each configured region.
    await drctl(['status', '--profile', 'prod', '--region', WEST, '--config', configFile]);
    expect(ssmMock).toHaveReceivedCommandWith(GetParameterCommand, { Name: `/dr/shop/site-state/${WEST}` });
    expect(ssmMock).not.toHaveReceivedCommandWith(GetParameterCommand, { Name: `/dr/shop/site-state/${EAST}` });
    const regions = await Promise.all(ssmMock.calls().map((c: { thisValue: unknown }) => (c.thisValue as SSMClient).config.region()));
    expect(new Set(regions)).toEqual(new Set([WEST]));
  });

  test('drctl status --profile nope --region us-west-2 exits 2 naming the profile, before any AWS call', async () => {
    const { code, out, err } = await drctl(['status', '--profile', 'nope', '--region', WEST, '--config', configFile]);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(
      /^drctl: The AWS profile "nope" \(--profile nope\) does not exist in .*aws-config or .*aws-credentials \(profiles there: prod, region-only, staging\)/,
    );
    oneLine(err);
    expect(ssmMock.calls()).toHaveLength(0);
    expect(sfnMock.calls()).toHaveLength(0);
  });

  test('a nonexistent AWS_PROFILE is named as AWS_PROFILE, not as "set AWS_PROFILE"', async () => {
    process.env.AWS_PROFILE = 'nonexistent';
    const { code, err } = await drctl(['failover', '--to', WEST, '--config', configFile]);
    expect(code).toBe(2);
    expect(err).toContain('The AWS profile "nonexistent" (AWS_PROFILE=nonexistent) does not exist');
    expect(err).not.toContain('set AWS_PROFILE');
    oneLine(err);
    expect(sfnMock).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  test('missing shared files are said as such', async () => {
    process.env.AWS_CONFIG_FILE = join(dir, 'absent-config');
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'absent-credentials');
    const { code, err } = await drctl(['history', 'inc-1', '--profile', 'prod', '--config', configFile]);
    expect(code).toBe(2);
    expect(err).toContain('(neither file exists)');
  });

  test('a profile that exists but gives no credentials is named, exit 2 with one line', async () => {
    const { code, err } = await drctl(['status', '--profile', 'region-only', '--config', configFile]);
    expect(code).toBe(2);
    expect(err).toMatch(/^drctl: The AWS profile "region-only" \(--profile region-only\) gives no usable credentials/);
    oneLine(err);
  });

  test('an [sso-session] section is not a profile', async () => {
    const { code, err } = await drctl(['status', '--profile', 'corp', '--config', configFile]);
    expect(code).toBe(2);
    expect(err).toContain('The AWS profile "corp" (--profile corp) does not exist');
  });

  test('--output json and --json print the same object; --json with --output text is refused', async () => {
    const a = await drctl(['status', '--profile', 'prod', '--output', 'json', '--config', configFile]);
    const b = await drctl(['status', '--profile', 'prod', '--json', '--config', configFile]);
    expect(JSON.parse(a.out)).toEqual(JSON.parse(b.out));
    expect(JSON.parse(a.out)).toMatchObject({ application: 'shop', activeRegion: EAST });
    const c = await drctl(['status', '--profile', 'prod', '--json', '--output', 'text', '--config', configFile]);
    expect(c.code).toBe(2);
    expect(c.err).toContain('--json and --output text contradict each other');
    const d = await drctl(['status', '--output', 'yaml', '--config', configFile]);
    expect(d.code).toBe(2);
    expect(d.err).toMatch(/argument 'yaml' is invalid/);
  });
});

describe("an endpoint that does not answer like AWS (a proxy's HTML page)", () => {
  let server: Server;
  let requests = 0;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      requests += 1;
      res.writeHead(502, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1><p>corporate proxy</p></body></html>');
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));
  beforeEach(() => {
    // The real SDK clients and parsers, pointed at the page the way a misconfigured proxy would.
    process.env.AWS_ENDPOINT_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    process.env.AWS_ACCESS_KEY_ID = 'AKIAEXAMPLE';
    process.env.AWS_SECRET_ACCESS_KEY = 'secret';
    requests = 0;
  });

  test.each([[['failover', '--to', WEST]], [['failback', '--to', EAST, '--json']], [['history', 'inc-42']], [['status']]])(
    'drctl %j exits 2 with one line naming what answered, never 70 or a stack trace',
    async (args) => {
      const { code, out, err } = await drctl([...args, '--config', configFile]);
      expect(requests).toBeGreaterThan(0);
      expect(code).toBe(2);
      expect(out).toBe('');
      expect(err).toMatch(/answered HTTP 502 with something that is not an AWS API response \(text\/html; charset=utf-8\)/);
      oneLine(err);
    },
  );

  test('status says nothing could be read rather than printing a report of UNKNOWNs', async () => {
    const { code, err } = await drctl(['status', '--config', configFile]);
    expect(code).toBe(2);
    expect(err).toMatch(/^drctl: Nothing could be read: us-east-1: .*; us-west-2: /);
  });
});

describe('whatever goes wrong, one line and 0, 1 or 2', () => {
  test('a bug in drctl is one line saying so, exit 2; DRCTL_DEBUG=1 adds the stack', async () => {
    const broken: ProgramDeps = {
      clients: () => {
        throw new TypeError("Cannot read properties of undefined (reading 'send')");
      },
    };
    const quiet = await drctl(['status', '--config', configFile], broken);
    expect(quiet.code).toBe(2);
    expect(quiet.err).toMatch(/^drctl: unexpected error \(TypeError: Cannot read properties of undefined \(reading 'send'\)\); this is a bug in drctl/);
    oneLine(quiet.err);
    process.env.DRCTL_DEBUG = '1';
    const loud = await drctl(['status', '--config', configFile], broken);
    expect(loud.code).toBe(2);
    expect(loud.err).toMatch(/\n\s+at /);
  });
});
