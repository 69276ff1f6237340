/** The admin API's routes over its use cases; `handler.ts` (AWS) and the local runtime supply the ports. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import httpRouterHandler from '@middy/http-router';
import { type ApiEvent, type ApiResult, apiErrors, json, jsonBody, pathParameter, routeNotFound } from '../shared/http/api';
import {
  type AdminPorts,
  createDestination,
  createOrganization,
  createSource,
  createSubscription,
  describeDestination,
  listDeliveredTransmissions,
} from './directory-admin';

export const createAdminApi = (ports: AdminPorts, logger: Logger) => {
  const routes = [
    {
      method: 'POST' as const,
      path: '/v1/admin/organizations',
      handler: async (event: ApiEvent) => json(201, await createOrganization(jsonBody(event), ports)),
    },
    {
      method: 'POST' as const,
      path: '/v1/admin/organizations/{organizationId}/sources',
      handler: async (event: ApiEvent) =>
        json(201, await createSource(pathParameter(event, 'organizationId'), () => jsonBody(event), ports)),
    },
    {
      method: 'POST' as const,
      path: '/v1/admin/organizations/{organizationId}/destinations',
      handler: async (event: ApiEvent) =>
        json(201, await createDestination(pathParameter(event, 'organizationId'), () => jsonBody(event), ports)),
    },
    {
      method: 'POST' as const,
      path: '/v1/admin/subscriptions',
      handler: async (event: ApiEvent) => json(201, await createSubscription(jsonBody(event), ports)),
    },
    {
      method: 'GET' as const,
      path: '/v1/admin/destinations/{destinationId}',
      handler: async (event: ApiEvent) => json(200, await describeDestination(pathParameter(event, 'destinationId'), ports)),
    },
    {
      method: 'GET' as const,
      path: '/v1/admin/destinations/{destinationId}/transmissions',
      handler: async (event: ApiEvent) =>
        json(200, await listDeliveredTransmissions(pathParameter(event, 'destinationId'), event.queryStringParameters ?? {}, ports)),
    },
  ];
  return middy<ApiEvent, ApiResult>()
    .use(injectLambdaContext(logger))
    .use(apiErrors(logger))
    .handler(httpRouterHandler<ApiEvent, ApiResult>({ routes, notFoundResponse: routeNotFound }));
};
