import type { APIGatewayProxyEvent } from 'aws-lambda';

/** The approval API's requests as API Gateway hands them to the callback handler (REST API, stage `prod`). */
export function apiEvent(method: string, url: string, body?: string): APIGatewayProxyEvent {
  const u = new URL(url);
  const path = u.pathname.replace(/^\/prod/, '');
  const query = Object.fromEntries(u.searchParams);
  return {
    httpMethod: method,
    path,
    resource: '/approvals/{approvalId}',
    pathParameters: { approvalId: path.split('/')[2] ?? '' },
    queryStringParameters: Object.keys(query).length ? query : null,
    multiValueQueryStringParameters: null,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    multiValueHeaders: {},
    body: body ?? null,
    isBase64Encoded: false,
    stageVariables: null,
    requestContext: { stage: 'prod', httpMethod: method, path: u.pathname } as APIGatewayProxyEvent['requestContext'],
  };
}

export const csrfOf = (page: string) => /name="csrf" value="([^"]+)"/.exec(page)?.[1];
