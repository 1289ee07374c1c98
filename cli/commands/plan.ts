import { type Command, Option } from 'commander';
import { DEFAULT_CONFIG_FILE } from '../../config/load';
import { action, positiveInt, readConfig, type CliIo } from '../io';
import { buildPlan, formatPlan } from '../plan/plan';

export function registerPlan(program: Command, io: CliIo): void {
  program
    .command('plan')
    .description('RTO/RPO budget of the deployed configuration, term by term with sources, and the monthly cost of the control plane in both regions.')
    .option('--config <file>', 'config file', DEFAULT_CONFIG_FILE)
    .option('--json', 'one JSON object: rtoSeconds, rpoSeconds, monthlyCostUsd and the breakdowns', false)
    .option('--drills <n>', 'failover executions (drills and real) per month, for usage-priced services', positiveInt('--drills', 10_000), 4)
    .addOption(new Option('--approval-mode <mode>', "override the config's approval mode").choices(['required', 'auto-when-safe']))
    .option('--no-sources', 'leave the source of each figure out of the text output')
    .option('--strict', 'exit 1 when the config cannot meet its RTO or RPO target', false)
    .addHelpText(
      'after',
      '\nEvery figure and price is a named constant in cli/plan/prices.ts; docs/sources.md gives each one with its value and the public\npage or document it comes from. "secondary" marks a price from a third-party copy of AWS\'s price list, "assumption" a figure AWS\ndoes not publish.',
    )
    .action(
      action(
        io,
        async (o: { config: string; json: boolean; drills: number; approvalMode?: 'required' | 'auto-when-safe'; sources: boolean; strict: boolean }) => {
          const plan = buildPlan(readConfig(o.config), undefined, { drillsPerMonth: o.drills, approvalMode: o.approvalMode });
          io.out(o.json ? `${JSON.stringify(plan)}\n` : `${formatPlan(plan, { sources: o.sources })}\n`);
          return o.strict && !plan.meetsTargets ? 1 : 0;
        },
      ),
    );
}
