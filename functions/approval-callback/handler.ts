import type { Logger } from '@aws-lambda-powertools/logger';
import { STEPS } from '../../config/steps';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { approvalCallbackAwsDeps } from './aws-deps';
import { createLogger, lazyHandler, wrapTask } from '../shared/middleware';
import { handleApprovalRequest, IAM_DECISIONS_PATH, type ApprovalCallbackDeps, type HttpRequest } from './approval-callback';
import { messagePage } from './page';

/** The form has four short fields; anything bigger is not our page posting. */
export const MAX_FORM_BYTES = 8_192;
/** Query strings beyond this are not an emailed link (which is about 120 characters). */
export const MAX_QUERY_CHARS = 2_048;

/** The workflow state whose task an approval answers (the same name in failover.asl.json and failback.asl.json). */
export const APPROVAL_STATE_NAME = 'RequestApproval';

const PAGE_HEADERS = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };

export class BadHttpRequestError extends Error {
  constructor(
    readonly statusCode: 400 | 413 | 414,
    readonly title: string,
    message: string,
  ) {
    super(message);
    this.name = 'BadHttpRequestError';
  }
}

/**
 * API Gateway (REST, proxy integration) event -> plain request. Throws BadHttpRequestError for what
 * could not come from our own page or link, so the caller answers 4xx and never lets it reach the use case.
 */
export function fromApiGatewayEvent(event: APIGatewayProxyEvent): HttpRequest {
  const method = (event.httpMethod ?? 'GET').toUpperCase();
  const query: Record<string, string | undefined> = { ...(event.queryStringParameters ?? {}) };
  const queryChars = Object.entries(query).reduce((n, [k, v]) => n + k.length + (v?.length ?? 0) + 2, 0);
  if (queryChars > MAX_QUERY_CHARS)
    throw new BadHttpRequestError(414, 'Link too long', 'This is not an approval link: it is far longer than the emailed one. Nothing was decided.');
  const path = event.path ?? '/';
  const iamRoute = path === IAM_DECISIONS_PATH || path === `${IAM_DECISIONS_PATH}/`;
  let form: Record<string, string> = {};
  let body: string | undefined;
  if (method === 'POST' && event.body) {
    const bytes = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
    if (bytes.length > MAX_FORM_BYTES)
      throw new BadHttpRequestError(413, 'Form too large', 'The submitted form is larger than the approval page can send. Nothing was decided.');
    body = bytes.toString('utf8');
    // URLSearchParams never throws on bad percent-encoding; it keeps the text as is, which then fails validation.
    if (!iamRoute) form = Object.fromEntries(new URLSearchParams(body));
  }
  // Only the IAM-authorized route has a caller API Gateway verified; on every other route the field is ignored.
  const userArn = iamRoute ? event.requestContext?.identity?.userArn : undefined;
  const accountId = iamRoute ? event.requestContext?.accountId : undefined;
  return { method, path, query, form, ...(iamRoute ? { body, ...(userArn ? { principalArn: userArn } : {}), ...(accountId ? { accountId } : {}) } : {}) };
}

/** `?exp=..&sig=..` of an approval link, so an error page can lead back to its form; undefined for anything else. */
function backLink(request: HttpRequest): string | undefined {
  const { exp, sig } = request.query;
  return /^\/approvals\//.test(request.path) && exp && sig ? `?exp=${encodeURIComponent(exp)}&sig=${encodeURIComponent(sig)}` : undefined;
}

export function createHandler(deps: ApprovalCallbackDeps & { logger?: Logger }) {
  const logger = deps.logger ?? createLogger(STEPS.approvalCallback.logService);
  return wrapTask(logger, async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    let request: HttpRequest;
    try {
      request = fromApiGatewayEvent(event);
    } catch (err) {
      const bad = err instanceof BadHttpRequestError ? err : new BadHttpRequestError(400, 'Bad request', 'The request could not be read. Nothing was decided.');
      logger.info('approval request refused', { statusCode: bad.statusCode, outcome: 'unreadable' });
      const body = event.httpMethod === 'HEAD' ? '' : messagePage(bad.title, bad.message);
      return { statusCode: bad.statusCode, headers: PAGE_HEADERS, body };
    }
    try {
      const { outcome, incidentId, executionId, warnings, ...response } = await handleApprovalRequest(request, deps);
      // A verified link belongs to one execution's RequestApproval task: its lines join that execution's logs.
      if (incidentId) logger.appendKeys({ incidentId, ...(executionId ? { executionId } : {}), stateName: APPROVAL_STATE_NAME });
      // Neither the query (signature) nor the record (task token) is logged: only what happened.
      logger.info('approval request answered', { method: request.method, statusCode: response.statusCode, outcome });
      for (const w of warnings ?? []) logger.error('after the decision was applied, a follow-up failed', { warning: w });
      return response;
    } catch (err) {
      // A dependency failed (not the request): say so and let the approver retry; nothing was decided.
      logger.error('approval request failed', { error: { name: (err as Error).name, message: (err as Error).message } });
      return {
        statusCode: 503,
        headers: { ...PAGE_HEADERS, 'retry-after': '5' },
        body:
          request.method === 'HEAD'
            ? ''
            : messagePage(
                'Try again',
                'The approval service could not complete your request just now, before anything was decided. Go back to the request in a few seconds.',
                {
                  back: backLink(request),
                },
              ),
      };
    }
  });
}

export const handler = lazyHandler(() => createHandler(approvalCallbackAwsDeps()));
