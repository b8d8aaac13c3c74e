import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { provision, setActive, suspend, updateSettings } from '../../../lifecycle/index.ts';
import { problemResponses } from '../../problem.ts';
import {
  DeactivateBody,
  Params,
  Provisioned,
  provisionBody,
  SettingsPatch,
  SuspendBody,
} from './lifecycle-schemas.ts';
import { planConfig, type TenantRouteOptions } from './options.ts';
import { tenantJson } from './schemas.ts';

const admin = { access: 'admin' } as const;

/** Provisioning, settings and status changes: admin keys only. */
export const tenantLifecycleRoutes: FastifyPluginAsyncTypebox<TenantRouteOptions> = async (app, options) => {
  const { db } = options;
  const plans = Object.keys(planConfig(options).planLimits);

  app.post(
    '/api/tenants',
    {
      config: admin,
      schema: {
        tags: ['tenants'],
        operationId: 'provisionTenant',
        summary: 'Provision a tenant (admin)',
        description:
          'Creates the tenant, its schema, an API key (returned once), the provisioned event and the welcome email in one transaction. 409 when the id exists; 403 with reason plan_limit_reached when the owner is at the plan limit.',
        body: provisionBody(plans),
        response: { 201: Provisioned, ...problemResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const result = await provision({ db, config: planConfig(options) }, request.body);
      request.log.info({ tenant: result.tenant.id }, 'tenant provisioned');
      reply.code(201);
      return {
        tenant: tenantJson(result.tenant),
        api_key: { id: result.apiKeyId, key: result.apiKey, prefix: result.apiKey.slice(0, 12) },
        welcome_job_log_id: result.welcomeJobLogId,
      };
    },
  );

  app.patch(
    '/api/tenants/:id/settings',
    {
      config: admin,
      schema: {
        tags: ['tenants'],
        operationId: 'updateTenantSettings',
        summary: "Merge into a tenant's settings (admin)",
        description:
          'A JSON Merge Patch (RFC 7396), sent as application/merge-patch+json or application/json.',
        consumes: ['application/merge-patch+json', 'application/json'],
        params: Params,
        body: SettingsPatch,
        response: { 200: Type.Ref('Tenant'), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => tenantJson(await updateSettings(db, request.params.id, request.body)),
  );

  app.post(
    '/api/tenants/:id/activate',
    {
      config: admin,
      schema: {
        tags: ['tenants'],
        operationId: 'activateTenant',
        summary: 'Activate a tenant, also lifting a suspension (admin)',
        params: Params,
        response: { 200: Type.Ref('Tenant'), ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => tenantJson(await setActive(db, request.params.id, true)),
  );

  app.post(
    '/api/tenants/:id/deactivate',
    {
      config: admin,
      schema: {
        tags: ['tenants'],
        operationId: 'deactivateTenant',
        summary: 'Deactivate an active tenant: its keys get 403, its jobs wait (admin)',
        params: Params,
        body: DeactivateBody,
        response: { 200: Type.Ref('Tenant'), ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) =>
      tenantJson(await setActive(db, request.params.id, false, request.body?.reason ?? null)),
  );

  app.post(
    '/api/tenants/:id/suspend',
    {
      config: admin,
      schema: {
        tags: ['tenants'],
        operationId: 'suspendTenant',
        summary: 'Suspend a tenant with a reason shown to its API clients (admin)',
        params: Params,
        body: SuspendBody,
        response: { 200: Type.Ref('Tenant'), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => tenantJson(await suspend(db, request.params.id, request.body.reason)),
  );
};
