/** The admin API's routes over its use cases; `handler.ts` (AWS) and the local runtime supply the ports. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { publishMetrics } from '../shared/runtime/metrics';
import middy from '@middy/core';
import httpRouterHandler from '@middy/http-router';
import { apiErrors } from '../shared/http/api-errors';
import { type ApiEvent, type ApiResult, json, jsonBody, pathParameter, routeNotFound } from '../shared/http/api';
import {
  type AdminPorts,
  createDestination,
  createOrganization,
  createSource,
  createSubscription,
  describeDestination,
  listDeliveredTransmissions,
  rotateSourceKey,
} from './directory-admin';
import { replayTransmission, resumeNow, skipHead } from './operator-controls';
import { describeTransmission } from './transmission-detail';

export const createAdminApi = (ports: AdminPorts, logger: Logger, metrics: Metrics) => {
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
      path: '/v1/admin/sources/{sourceId}/keys',
      // The body is optional: no body rotates with the default grace period.
      handler: async (event: ApiEvent) =>
        json(
          201,
          await rotateSourceKey(pathParameter(event, 'sourceId'), () => (event.body ? jsonBody(event) : {}), ports),
        ),
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
      handler: async (event: ApiEvent) =>
        json(200, await describeDestination(pathParameter(event, 'destinationId'), ports)),
    },
    {
      method: 'GET' as const,
      path: '/v1/admin/destinations/{destinationId}/transmissions',
      handler: async (event: ApiEvent) =>
        json(
          200,
          await listDeliveredTransmissions(
            pathParameter(event, 'destinationId'),
            event.queryStringParameters ?? {},
            ports,
          ),
        ),
    },
    {
      method: 'POST' as const,
      path: '/v1/admin/destinations/{destinationId}/resume',
      handler: async (event: ApiEvent) => json(200, await resumeNow(pathParameter(event, 'destinationId'), ports)),
    },
    {
      method: 'POST' as const,
      path: '/v1/admin/destinations/{destinationId}/skip',
      handler: async (event: ApiEvent) => json(200, await skipHead(pathParameter(event, 'destinationId'), ports)),
    },
    {
      method: 'POST' as const,
      path: '/v1/admin/transmissions/{transmissionId}/replay',
      handler: async (event: ApiEvent) =>
        json(200, await replayTransmission(pathParameter(event, 'transmissionId'), ports)),
    },
    // The attempt log of one transmission (v1.1).
    {
      method: 'GET' as const,
      path: '/v1/admin/transmissions/{transmissionId}',
      handler: async (event: ApiEvent) => json(200, await describeTransmission(pathParameter(event, 'transmissionId'), ports)),
    },
  ];
  return middy<ApiEvent, ApiResult>()
    .use(injectLambdaContext(logger))
    .use(publishMetrics(metrics))
    .use(apiErrors(logger))
    .handler(httpRouterHandler<ApiEvent, ApiResult>({ routes, notFoundResponse: routeNotFound }));
};
