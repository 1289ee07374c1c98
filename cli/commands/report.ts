import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { awsRecord } from '../aws/execution-record';
import { readExecution } from '../aws/report';
import { CliError } from '../aws/errors';
import { renderReport } from '../../local/report/report';
import type { ExecutionRecord } from '../../local/report/execution-record';
import { action } from '../io';
import { buildPlan, loadFailoverDefinition } from '../plan/plan';
import { addAwsOptions, type AwsCommandDeps, type AwsFlags, prepare } from './aws';

type ReportFlags = AwsFlags & { out?: string; auditTable?: string };

/** The short form `--output json` prints: enough to script on, the page has the rest. */
function summaryOf(r: ExecutionRecord, file: string) {
  return {
    file,
    name: r.execution.name,
    arn: r.execution.arn ?? null,
    region: r.execution.region ?? null,
    status: r.execution.status,
    outcome: r.execution.outcome,
    redriveCount: r.execution.redriveCount,
    startedAt: r.execution.startedAt !== null ? new Date(r.execution.startedAt).toISOString() : null,
    stoppedAt: r.execution.stoppedAt !== null ? new Date(r.execution.stoppedAt).toISOString() : null,
    historyEvents: r.events.length,
    auditEntries: r.audit.length,
    states: Object.fromEntries([...r.states].filter(([, s]) => s.status !== 'not-reached').map(([name, s]) => [name, s.status])),
    missing: r.missing,
  };
}

export function registerReport(program: Command, deps: AwsCommandDeps): void {
  const cmd = program
    .command('report')
    .description(
      'The drill report for a real execution (name or ARN): state graph coloured like the console, timeline, RTO, data check, alerts and audit trail, as one self-contained HTML page. Built from the execution history (all pages) and the audit table; an execution older than 90 days is reported from the audit table alone, saying what is missing.',
    )
    .argument('<execution>', 'execution name (looked up in both regions) or execution ARN')
    .option('-o, --out <file>', 'where to write the page (default: report-<execution>.html)')
    .option('--audit-table <name>', "the audit table's name, if it is not the stack's (its output AuditTableName)");
  addAwsOptions(cmd, 'only look in this region', 'one object: the file written, the status, outcome and redrive count, each state reached and what is missing')
    .addHelpText(
      'after',
      '\nExit codes: 0 report written (what it could not show is listed in it); 2 no such execution and no audit entries, bad input, credentials or AWS unreachable.',
    )
    .action(
      action(deps.io, async (execution: string, o: ReportFlags) => {
        const { config, format, clients } = await prepare(deps, o);
        if (o.out !== undefined && !o.out.trim()) throw new CliError('-o/--out needs a file name');
        const read = await readExecution(clients(), config, execution, { region: o.region, auditTable: o.auditTable });
        const plan = buildPlan(config, loadFailoverDefinition());
        const record = awsRecord({
          ...read,
          projection: {
            rtoSeconds: plan.rtoSeconds,
            rtoTargetSeconds: plan.rto.targetSeconds,
            rpoSeconds: plan.rpoSeconds,
            rpoTargetSeconds: plan.rpo.targetSeconds,
            terms: plan.rto.terms.map((t) => ({ key: t.key, label: t.label, seconds: t.seconds })),
            approvalNote: plan.rto.approval.note,
          },
        });
        const file = o.out ?? `report-${read.name}.html`;
        try {
          writeFileSync(file, renderReport(record, { generatedAt: deps.now() }));
        } catch (err) {
          throw new CliError(`Cannot write ${file}: ${(err as Error).message}`);
        }
        if (format === 'json') {
          deps.io.out(`${JSON.stringify(summaryOf(record, file))}\n`);
          return 0;
        }
        const lines = [
          `${record.execution.name}  ${record.execution.status}  ${record.execution.outcome}  in ${record.execution.region ?? 'unknown region'}${record.execution.redriveCount ? `  (redriven ${record.execution.redriveCount}×)` : ''}`,
          `report written to ${file}`,
          ...record.missing.map((m) => `  not in it: ${m}`),
        ];
        deps.io.out(`${lines.join('\n')}\n`);
        return 0;
      }),
    );
}
