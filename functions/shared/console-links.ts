/**
 * Links from an approval page or email into the AWS console: the execution in Step Functions and the control
 * plane's dashboard. Pure string building; the dashboard's name comes from config/resource-names.ts, as
 * infra/constructs/dashboard.ts's does.
 */
import { dashboardName } from '../../config/resource-names';

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

export function consoleOrigin(region: string): string {
  return region.startsWith('us-gov-') ? 'https://console.amazonaws-us-gov.com' : `https://${region}.console.aws.amazon.com`;
}

/** The region in an ARN (`arn:aws:states:<region>:...`), or `fallback` when it names none a console has. */
export function regionOfArn(arn: string, fallback: string): string {
  const region = arn.split(':')[3] ?? '';
  return REGION.test(region) ? region : fallback;
}

/** The execution's page in the Step Functions console (graph, events, input and output). */
export function executionConsoleUrl(executionArn: string, fallbackRegion: string): string {
  const region = regionOfArn(executionArn, fallbackRegion);
  return `${consoleOrigin(region)}/states/home?region=${region}#/v2/executions/details/${encodeURIComponent(executionArn)}`;
}

export function dashboardConsoleUrl(application: string, region: string): string {
  return `${consoleOrigin(region)}/cloudwatch/home?region=${region}#dashboards/dashboard/${encodeURIComponent(dashboardName(application, region))}`;
}
