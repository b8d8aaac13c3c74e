import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { requireTenant } from '../../../db/tenants.ts';
import { backupStats, chooseRestoreBackup, listBackupPage } from '../../../lifecycle/backup/index.ts';
import { checkMaintenanceOptions } from '../../../lifecycle/maintenance.ts';
import { dispatch } from '../../../tasks/index.ts';
import { PageQuery } from '../../pagination.ts';
import { problemResponses } from '../../problem.ts';
import {
  Accepted,
  BackupBody,
  BackupList,
  MaintenanceBody,
  Params,
  RestoreBody,
} from './lifecycle-schemas.ts';
import type { TenantRouteOptions } from './options.ts';

const admin = { access: 'admin' } as const;

/**
 * Backups, restores and maintenance. The long ones answer 202 with the job log to poll: they
 * run as jobs on any worker, with progress and a result, and survive the request.
 */
export const tenantOperationRoutes: FastifyPluginAsyncTypebox<TenantRouteOptions> = async (app, options) => {
  const { db } = options;
  // Where the files are, so a listing says which are gone and a restore refuses them at once;
  // without config (the plugin alone), the catalogue is taken as it is.
  const backupDir = options.config?.backupDir;
  const source = (id: string) => ({ type: 'tenant', id });

  app.get(
    '/api/tenants/:id/backups',
    {
      config: admin,
      schema: {
        tags: ['tenants'],
        operationId: 'listBackups',
        summary: "A tenant's backups, newest first (admin)",
        params: Params,
        querystring: Type.Object(PageQuery),
        response: { 200: BackupList, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { id } = request.params;
      await requireTenant(db, id);
      const size = request.query.page_size ?? 50;
      const list = `backups:${id}`;
      const after = app.pageTokens.decode(request, list, request.query.page_token, 2) as
        | [string, string]
        | undefined;
      const [rows, stats] = await Promise.all([
        listBackupPage({ db, backupDir }, id, { limit: size + 1, after }),
        backupStats({ db, backupDir }, id),
      ]);
      const { items, next_page_token } = app.pageTokens.page(request, list, rows, size, (r) => r.cursor);
      return {
        next_page_token,
        backups: items.map(({ backup: b }) => ({
          id: b.id,
          file_name: b.fileName,
          size_bytes: b.sizeBytes,
          sha256: b.sha256,
          encrypted: b.encrypted,
          created_at: b.createdAt.toISOString(),
          file_missing: b.missing === true,
        })),
        count: stats.count,
        total_size: stats.totalSize,
        missing: stats.missing,
      };
    },
  );

  app.post(
    '/api/tenants/:id/backups',
    {
      config: admin,
      schema: {
        tags: ['tenants'],
        operationId: 'createBackup',
        summary: 'Start a backup of the tenant (admin)',
        description: '`keep` prunes to the newest N afterwards. Poll the returned job log.',
        params: Params,
        body: BackupBody,
        response: { 202: Accepted, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      await requireTenant(db, id);
      const keep = request.body?.keep;
      const job = await dispatch(db, 'tenant-backup', keep ? { tenant: id, keep } : { tenant: id }, {
        source: source(id),
      });
      reply.code(202);
      return { job_log_id: job.id };
    },
  );

  app.post(
    '/api/tenants/:id/restore',
    {
      config: admin,
      schema: {
        tags: ['tenants'],
        operationId: 'restoreTenant',
        summary: 'Restore the tenant from a named backup or its latest (admin)',
        description:
          "The backup is verified first; the tenant's jobs pause while its schema is swapped; its cache is flushed.",
        params: Params,
        body: RestoreBody,
        response: { 202: Accepted, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      await requireTenant(db, id);
      const body = request.body;
      const backup = await chooseRestoreBackup(
        { db, backupDir },
        id,
        'backup' in body ? { backup: body.backup } : { latest: true },
      );
      const job = await dispatch(db, 'tenant-restore', { tenant: id, backup }, { source: source(id) });
      reply.code(202);
      return { job_log_id: job.id };
    },
  );

  app.post(
    '/api/tenants/:id/maintenance',
    {
      config: admin,
      schema: {
        tags: ['tenants'],
        operationId: 'startMaintenance',
        summary: 'Start maintenance of the tenant (admin)',
        params: Params,
        body: MaintenanceBody,
        response: { 202: Accepted, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const body = request.body;
      checkMaintenanceOptions({
        backup: body.backup,
        keep: body.keep,
        optimize: body.optimize,
        analyze: body.analyze,
        vacuum: body.vacuum,
        cleanupDays: body.cleanup_days,
      });
      await requireTenant(db, id);
      const job = await dispatch(db, 'tenant-maintenance', { ...body, tenant: id }, { source: source(id) });
      reply.code(202);
      return { job_log_id: job.id };
    },
  );
};
