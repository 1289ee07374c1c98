import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError, parseConfig } from '../config/load';
import type { DrConfig } from '../config/schema';
import { AWS_SERVICES } from './world/aws-api-faults';

/**
 * Scenarios are files (scenarios/*.json): faults at AWS times, the approver's answer, operator actions and what a
 * correct control plane ends with. This schema is the contract with game-day authors and outside checks; every
 * key of `expect` is optional, and a bad file is refused naming the field. docs/scenarios.md documents it.
 */

export const SCENARIO_DIR = join(__dirname, '..', 'scenarios');

export const OUTCOMES = ['FAILED_OVER', 'NO_ACTION', 'REFUSED', 'REJECTED', 'TIMED_OUT', 'INCOMPLETE', 'DRY_RUN'] as const;
export type Outcome = (typeof OUTCOMES)[number];

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;

/** `"90s"`, `"2m"`, `"1h"`, `"250ms"`, `"1.5m"` -> AWS milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not a duration (use a number and a unit: 250ms, 90s, 2m, 1h)`);
  return Math.round(Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS]);
}

/** Formats AWS ms back as the shortest exact duration string. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

const duration = z.string().transform((text, ctx) => {
  try {
    return parseDuration(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

/** `primary`, `standby`, or a configured region name (checked against the config when the drill starts). */
const regionRef = z.string().regex(/^(primary|standby|[a-z]{2}(-gov)?-[a-z]+-\d)$/, 'must be primary, standby or a region name');
/** A region, `clients`, `route53-checkers`, or a canary's vantage `canary:<region>`. */
const party = z
  .string()
  .regex(
    /^(primary|standby|clients|route53-checkers|[a-z]{2}(-gov)?-[a-z]+-\d|canary:(primary|standby|[a-z]{2}(-gov)?-[a-z]+-\d))$/,
    'must be a region, clients, route53-checkers or canary:<region>',
  );
const service = z.union([
  z.enum(AWS_SERVICES),
  z.string().regex(/^arc-endpoint:(primary|standby|[a-z]{2}(-gov)?-[a-z]+-\d)$/, 'must be an AWS service name or arc-endpoint:<region>'),
]);
const rate = z.number().min(0).max(1);

const timing = {
  /** AWS time after the drill starts. */
  at: duration,
  /** Heals by itself this long after `at`. @default never */
  for: duration.optional(),
};

export const faultSchema = z.discriminatedUnion('kind', [
  /** The whole region goes dark: its application refuses connections, unreplicated writes are lost, its canary and its copy of the control plane are gone. */
  z.strictObject({ kind: z.literal('region-down'), ...timing, region: regionRef }),
  /** Only the application of a region is down (its control plane and canary still run). */
  z.strictObject({ kind: z.literal('app-down'), ...timing, region: regionRef }),
  z.strictObject({ kind: z.literal('region-slow'), ...timing, region: regionRef, latency: duration }),
  z.strictObject({ kind: z.literal('region-errors'), ...timing, region: regionRef, rate: rate.default(1) }),
  z.strictObject({ kind: z.literal('partition'), ...timing, between: z.tuple([party, party]) }),
  z.strictObject({ kind: z.literal('replication-stall'), ...timing, store: z.string().min(1).default('*') }),
  z.strictObject({ kind: z.literal('replication-lag'), ...timing, store: z.string().min(1).default('*'), lag: duration }),
  z.strictObject({ kind: z.literal('aws-api-down'), ...timing, service, region: regionRef.optional() }),
  z.strictObject({
    kind: z.literal('step-fails'),
    ...timing,
    state: z.string().regex(/^[A-Za-z][A-Za-z0-9]*$/, 'must be an ASL state name'),
    error: z.string().min(1).default('States.TaskFailed'),
    times: z.number().int().min(1).max(1_000).default(1),
  }),
  z.strictObject({ kind: z.literal('throttle'), ...timing, service, rate, region: regionRef.optional() }),
  /** EventBridge delivers at least once: each alarm event `copies` times, and again `redeliverAfter` later. */
  z.strictObject({ kind: z.literal('duplicate-events'), ...timing, copies: z.number().int().min(1).max(10).default(2), redeliverAfter: duration.optional() }),
]);
export type Fault = z.infer<typeof faultSchema>;

export const OPERATOR_ACTIONS = ['redrive', 'failover', 'failback', 'approve', 'reject'] as const;
export const operatorSchema = z.strictObject({
  at: duration,
  do: z.enum(OPERATOR_ACTIONS),
  /** Free text an operator gives (failover, failback, reject). */
  reason: z.string().max(500).optional(),
});
export type OperatorAction = z.infer<typeof operatorSchema>;

export const APPROVER_DECISIONS = ['approve', 'reject', 'none', 'manual'] as const;
export type ApproverDecision = (typeof APPROVER_DECISIONS)[number];
export const approverSchema = z.strictObject({
  /** approve / reject through the emailed link, none never answers, manual waits for a person. */
  decision: z.enum(APPROVER_DECISIONS).default('approve'),
  /** How long after the email the approver answers (AWS time). @default "0s" */
  after: duration.default(0),
});

export const expectSchema = z.strictObject({
  outcome: z.enum(OUTCOMES).optional(),
  executions: z.number().int().min(0).optional(),
  /** `primary`, `standby`, a region name, or null (no single region serves). */
  activeRegion: z.union([regionRef, z.null()]).optional(),
  maxLostWrites: z.number().int().min(0).optional(),
  approvalRequested: z.boolean().optional(),
  /** Upper bounds on measured figures (AWS time). */
  maxDetection: duration.optional(),
  maxDowntime: duration.optional(),
  /** At least this estimated loss shown in the approval request (AWS time). */
  minEstimatedRpo: duration.optional(),
  /** Alert subjects that must appear (substring match). */
  alerts: z.array(z.string().min(1)).optional(),
});
export type Expectation = z.infer<typeof expectSchema>;

export const scenarioSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes'),
  description: z.string().min(1).max(2_000),
  /** Merged over the drill's config (objects deep, arrays replaced) before validation. */
  config: z.record(z.string(), z.unknown()).optional(),
  faults: z.array(faultSchema).max(200).default([]),
  approver: approverSchema.default({ decision: 'approve', after: 0 }),
  operator: z.array(operatorSchema).max(50).default([]),
  /** How long the drill keeps watching once nothing is left to happen. @default "2m" */
  settle: duration.default(120_000),
  expect: expectSchema.default({}),
});
export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;

export class ScenarioError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScenarioError';
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)), '');
}

/** Validates a parsed scenario object; the error names every bad field. */
export function parseScenario(raw: unknown, source: string): Scenario {
  const r = scenarioSchema.safeParse(raw);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => {
    const where = formatPath(i.path) || '(root)';
    if (i.code === 'unrecognized_keys') return `${where}: unknown field(s) ${i.keys.map((k) => `"${k}"`).join(', ')}`;
    return `${where}: ${i.message}`;
  });
  throw new ScenarioError(`Invalid scenario ${source}:\n  - ${issues.join('\n  - ')}`);
}

/** The built-in scenarios' names, from the files in scenarios/. */
export function builtInScenarios(): string[] {
  if (!existsSync(SCENARIO_DIR)) return [];
  return readdirSync(SCENARIO_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => basename(f, '.json'))
    .sort();
}

/** `NAME` (a file in scenarios/) or a path to a JSON file. */
export function loadScenario(nameOrPath: string): Scenario {
  const builtIn = join(SCENARIO_DIR, `${nameOrPath}.json`);
  const path = /[/\\]|\.json$/.test(nameOrPath) ? resolve(nameOrPath) : builtIn;
  if (!existsSync(path)) {
    throw new ScenarioError(`Unknown scenario "${nameOrPath}": not a file, and not one of ${builtInScenarios().join(', ')}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ScenarioError(`Scenario file ${nameOrPath} is not valid JSON: ${(err as Error).message}`);
  }
  return parseScenario(raw, nameOrPath);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Fields that say which variant of a union an object is: a different variant replaces the object whole. */
const DISCRIMINATORS = ['strategy', 'kind'] as const;

/** Objects merge key by key (unless they are different variants); anything else (arrays included) replaces. */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over;
  if (DISCRIMINATORS.some((k) => k in over && k in base && over[k] !== base[k])) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v);
  return out;
}

/** `${primary}` / `${standby}` in a scenario's config stand for the configured region names. */
function substituteRegions(value: unknown, regions: { primary: string; standby: string }): unknown {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: `${primary}` is the scenario file's own placeholder, not a template.
  if (typeof value === 'string') return value.replaceAll('${primary}', regions.primary).replaceAll('${standby}', regions.standby);
  if (Array.isArray(value)) return value.map((v) => substituteRegions(v, regions));
  if (isPlainObject(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [substituteRegions(k, regions) as string, substituteRegions(v, regions)]));
  return value;
}

/** The drill's config with the scenario's `config` merged over it, validated again (a bad merge names the field). */
export function scenarioConfig(base: DrConfig, scenario: Scenario): DrConfig {
  if (!scenario.config) return base;
  const regions = { primary: base.regions.primary.name, standby: base.regions.standby.name };
  try {
    return parseConfig(deepMerge(base, substituteRegions(scenario.config, regions)), `with scenario ${scenario.name}'s config`);
  } catch (err) {
    if (err instanceof ConfigError) throw new ScenarioError(err.message);
    throw err;
  }
}

/** A region reference resolved against the config; an unknown region name is a scenario error. */
export function resolveRegion(ref: string, config: DrConfig, where: string): string {
  if (ref === 'primary') return config.regions.primary.name;
  if (ref === 'standby') return config.regions.standby.name;
  if (ref !== config.regions.primary.name && ref !== config.regions.standby.name) {
    throw new ScenarioError(`${where}: region ${ref} is neither the primary (${config.regions.primary.name}) nor the standby (${config.regions.standby.name})`);
  }
  return ref;
}
