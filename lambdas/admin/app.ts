/** The admin API's routes over its use cases; `handler.ts` (AWS) and the local runtime supply the ports. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { publishMetrics } from '../shared/runtime/metrics';
import middy from '@middy/core';
import httpRouterHandler from '@middy/http-router';
import { parseRequest, redeliverRequestSchema, skipRequestSchema } from '../shared/domain/schemas';
import { apiErrors } from '../shared/http/api-errors';
import {
  type ApiEvent,
  type ApiResult,
  json,
  jsonBody,
  noContent,
  pathParameter,
  routeNotFound,
} from '../shared/http/api';
import { listAudit } from './audit-listing';
import { createAuditor } from './audited';
import { listDestinations, updateDestination } from './destination-settings';
import {
  type AdminPorts,
  createDestination,
  createOrganization,
  createSource,
  createSubscription,
  describeDestination,
  listDeliveredTransmissions,
  requireDestination,
  rotateSourceKey,
} from './directory-admin';
import { replayTransmission, resumeNow, skipHead } from './operator-controls';
import { redeliver } from './redeliver';
import { answerOfVerify, verifyDestination } from './verify-destination';
import { describeTransmission } from './transmission-detail';
import { getOrganization, listOrganizations, updateOrganization } from './organizations';
import { deleteSource, listSources } from './sources';
import { deleteSubscription, listSubscriptions } from './subscriptions';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** The query string (API Gateway leaves it out when empty). */
const queryOf = (event: ApiEvent) => event.queryStringParameters ?? {};
/** An optional JSON body: absent or empty reads as `{}`. */
const optionalBody = (event: ApiEvent) => (event.body ? jsonBody(event) : {});
import { deleteDestination } from './delete-destination';

/** One route of an HTTP API: a method, a path template (`{name}` for a parameter) and its handler. */
export interface Route {
  readonly method: Method;
  readonly path: string;
  readonly handler: (event: ApiEvent) => Promise<ApiResult>;
}

/**
 * The admin API's routes over `ports`: what `createAdminApi` serves, exported so that a test holds
 * them to the paths and methods of docs/openapi.yaml.
 */
export const adminRoutes = (ports: AdminPorts): Route[] => {
  // Every write goes through `audit`, which records it once it succeeded (see audited.ts).
  const audit = createAuditor(ports);
  const id = (answer: { id: string }) => answer.id;
  const param = pathParameter;
  return [
    // Organizations
    {
      method: 'POST',
      path: '/v1/admin/organizations',
      handler: async (event) =>
        json(201, await audit(event, 'organization.create', createOrganization(jsonBody(event), ports), id)),
    },
    {
      method: 'GET',
      path: '/v1/admin/organizations',
      handler: async (event) => json(200, await listOrganizations(queryOf(event), ports)),
    },
    {
      method: 'GET',
      path: '/v1/admin/organizations/{organizationId}',
      handler: async (event) => json(200, await getOrganization(param(event, 'organizationId'), ports)),
    },
    {
      method: 'PATCH',
      path: '/v1/admin/organizations/{organizationId}',
      handler: async (event) =>
        json(
          200,
          await audit(
            event,
            'organization.update',
            updateOrganization(param(event, 'organizationId'), () => jsonBody(event), ports),
            id,
          ),
        ),
    },
    // Sources
    {
      method: 'POST',
      path: '/v1/admin/organizations/{organizationId}/sources',
      handler: async (event) =>
        json(
          201,
          await audit(
            event,
            'source.create',
            createSource(param(event, 'organizationId'), () => jsonBody(event), ports),
            id,
          ),
        ),
    },
    {
      method: 'GET',
      path: '/v1/admin/organizations/{organizationId}/sources',
      handler: async (event) => json(200, await listSources(param(event, 'organizationId'), queryOf(event), ports)),
    },
    {
      method: 'DELETE',
      path: '/v1/admin/sources/{sourceId}',
      handler: async (event) => {
        await audit(event, 'source.delete', deleteSource(param(event, 'sourceId'), ports), id);
        return noContent();
      },
    },
    {
      method: 'POST',
      path: '/v1/admin/sources/{sourceId}/keys',
      // The body is optional: no body rotates with the default grace period.
      handler: async (event) =>
        json(
          201,
          await audit(
            event,
            'source.rotate_key',
            rotateSourceKey(param(event, 'sourceId'), () => optionalBody(event), ports),
            (answer) => answer.sourceId,
          ),
        ),
    },
    // Destinations
    {
      method: 'POST',
      path: '/v1/admin/organizations/{organizationId}/destinations',
      handler: async (event) =>
        json(
          201,
          await audit(
            event,
            'destination.create',
            createDestination(param(event, 'organizationId'), () => jsonBody(event), ports),
            id,
          ),
        ),
    },
    {
      method: 'GET',
      path: '/v1/admin/destinations',
      handler: async (event) => json(200, await listDestinations(queryOf(event), ports)),
    },
    {
      method: 'GET',
      path: '/v1/admin/destinations/{destinationId}',
      handler: async (event) => json(200, await describeDestination(param(event, 'destinationId'), ports)),
    },
    {
      method: 'PATCH',
      path: '/v1/admin/destinations/{destinationId}',
      handler: async (event) =>
        json(
          200,
          await audit(
            event,
            'destination.update',
            updateDestination(param(event, 'destinationId'), () => jsonBody(event), ports),
            id,
          ),
        ),
    },
    {
      method: 'DELETE',
      path: '/v1/admin/destinations/{destinationId}',
      handler: async (event) => {
        const destinationId = param(event, 'destinationId');
        await audit(
          event,
          'destination.delete',
          deleteDestination(destinationId, queryOf(event), ports),
          () => destinationId,
        );
        return noContent();
      },
    },
    {
      method: 'GET',
      path: '/v1/admin/destinations/{destinationId}/transmissions',
      handler: async (event) =>
        json(200, await listDeliveredTransmissions(param(event, 'destinationId'), queryOf(event), ports)),
    },
    {
      method: 'POST',
      path: '/v1/admin/destinations/{destinationId}/resume',
      handler: async (event) =>
        json(200, await audit(event, 'destination.resume', resumeNow(param(event, 'destinationId'), ports), id)),
    },
    {
      method: 'POST',
      path: '/v1/admin/destinations/{destinationId}/verify',
      // A failed challenge is recorded on the destination, so it is audited too, then answered 422.
      handler: async (event) => {
        const destinationId = param(event, 'destinationId');
        const answer = await audit(
          event,
          'destination.verify',
          verifyDestination(destinationId, ports),
          () => destinationId,
        );
        return json(200, answerOfVerify(answer));
      },
    },
    {
      method: 'POST',
      path: '/v1/admin/destinations/{destinationId}/skip',
      handler: async (event) => {
        const destinationId = param(event, 'destinationId');
        // The path's resource first (404), then the body (400), as everywhere; the reason is checked
        // before anything is skipped and goes to the audit entry only, never a log.
        await requireDestination(destinationId, ports.directory);
        const { reason } = parseRequest(skipRequestSchema, optionalBody(event));
        return json(
          200,
          await audit(event, 'destination.skip', skipHead(destinationId, ports), () => destinationId, reason),
        );
      },
    },
    {
      method: 'POST',
      path: '/v1/admin/destinations/{destinationId}/redeliver',
      handler: async (event) => {
        const destinationId = param(event, 'destinationId');
        // 404, then 400, then the rest; the reason goes to the audit entry only, never a log.
        await requireDestination(destinationId, ports.directory);
        const { reason } = parseRequest(redeliverRequestSchema, jsonBody(event));
        return json(
          202,
          await audit(
            event,
            'destination.redeliver',
            redeliver(destinationId, () => jsonBody(event), ports),
            () => destinationId,
            reason,
          ),
        );
      },
    },
    // Subscriptions
    {
      method: 'POST',
      path: '/v1/admin/subscriptions',
      handler: async (event) =>
        json(201, await audit(event, 'subscription.create', createSubscription(jsonBody(event), ports), id)),
    },
    {
      method: 'GET',
      path: '/v1/admin/subscriptions',
      handler: async (event) => json(200, await listSubscriptions(queryOf(event), ports)),
    },
    {
      method: 'DELETE',
      path: '/v1/admin/subscriptions/{subscriptionId}',
      handler: async (event) => {
        await audit(event, 'subscription.delete', deleteSubscription(param(event, 'subscriptionId'), ports), id);
        return noContent();
      },
    },
    // Transmissions
    {
      method: 'GET',
      path: '/v1/admin/transmissions/{transmissionId}',
      handler: async (event) => json(200, await describeTransmission(param(event, 'transmissionId'), ports)),
    },
    {
      method: 'POST',
      path: '/v1/admin/transmissions/{transmissionId}/replay',
      handler: async (event) =>
        json(
          200,
          await audit(
            event,
            'transmission.replay',
            replayTransmission(param(event, 'transmissionId'), ports),
            (answer) => answer.transmissionId,
          ),
        ),
    },
    // The audit trail
    {
      method: 'GET',
      path: '/v1/admin/audit',
      handler: async (event) => json(200, await listAudit(queryOf(event), ports)),
    },
  ];
};

export const createAdminApi = (ports: AdminPorts, logger: Logger, metrics: Metrics) =>
  middy<ApiEvent, ApiResult>()
    .use(injectLambdaContext(logger))
    .use(publishMetrics(metrics))
    .use(apiErrors(logger))
    .handler(httpRouterHandler<ApiEvent, ApiResult>({ routes: adminRoutes(ports), notFoundResponse: routeNotFound }));
