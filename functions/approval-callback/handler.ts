import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { approvalCallbackAwsDeps } from '../shared/aws/deps';
import { createLogger, lazyHandler, wrapTask } from '../shared/middleware';
import { handleApprovalRequest, type ApprovalCallbackDeps, type HttpRequest } from './approval-callback';
import { messagePage } from './page';

/** API Gateway (REST, proxy integration) event -> plain request. Bodies are small forms. */
export function fromApiGatewayEvent(event: APIGatewayProxyEvent): HttpRequest {
  const raw = event.body ? (event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body) : '';
  const form = Object.fromEntries(new URLSearchParams(raw.slice(0, 16_384)));
  const query: Record<string, string | undefined> = { ...(event.queryStringParameters ?? {}) };
  const qs = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => typeof e[1] === 'string')).toString();
  // The path as the client saw it (with the stage), so the form posts back to the same link.
  const stage = event.requestContext?.stage && event.requestContext.stage !== '$default' ? `/${event.requestContext.stage}` : '';
  const resourcePath = event.path ?? '/';
  return { method: event.httpMethod ?? 'GET', path: resourcePath, query, form, url: `${stage}${resourcePath}${qs ? `?${qs}` : ''}` };
}

export function createHandler(deps: ApprovalCallbackDeps & { logger?: Logger }) {
  const logger = deps.logger ?? createLogger('approval-callback');
  return wrapTask(logger, async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    let request: HttpRequest;
    try {
      request = fromApiGatewayEvent(event);
    } catch {
      return { statusCode: 400, headers: { 'content-type': 'text/html; charset=utf-8' }, body: messagePage('Bad request', 'The request could not be read.') };
    }
    try {
      return await handleApprovalRequest(request, deps);
    } catch (err) {
      // A dependency failed (not the request): say so and let the approver retry; nothing was decided.
      logger.error('approval request failed', { error: err as Error });
      return {
        statusCode: 503,
        headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'retry-after': '5' },
        body: messagePage('Try again', 'The approval service could not complete your request just now. Nothing was decided; reload in a few seconds.'),
      };
    }
  });
}

export const handler = lazyHandler(() => createHandler(approvalCallbackAwsDeps()));
