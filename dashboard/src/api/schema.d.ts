// Generated from the live OpenAPI document by dashboard/openapi.ts: do not edit.
export interface paths {
    "/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Liveness with dependency and worker state
         * @description Answers 503 when the database is unreachable. A cache store that does not answer makes it degraded (still 200: jobs run without it; cache routes answer 503 meanwhile). One look at the dependencies answers every probe for a quarter of a second.
         */
        get: operations["getHealth"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/ready": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Readiness: 200 once the database answers */
        get: operations["getReady"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/tenants": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List tenants (admin) */
        get: operations["listTenants"];
        put?: never;
        /**
         * Provision a tenant (admin)
         * @description Creates the tenant, its schema, an API key (returned once), the provisioned event and the welcome email in one transaction. 409 when the id exists; 403 with reason plan_limit_reached when the owner is at the plan limit.
         */
        post: operations["provisionTenant"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/tenants/{id}/settings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * Merge into a tenant's settings (admin)
         * @description A JSON Merge Patch (RFC 7396), sent as application/merge-patch+json or application/json.
         */
        patch: operations["updateTenantSettings"];
        trace?: never;
    };
    "/api/tenants/{id}/activate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Activate a tenant, also lifting a suspension (admin) */
        post: operations["activateTenant"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/tenants/{id}/deactivate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Deactivate an active tenant: its keys get 403, its jobs wait (admin) */
        post: operations["deactivateTenant"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/tenants/{id}/suspend": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Suspend a tenant with a reason shown to its API clients (admin) */
        post: operations["suspendTenant"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/tenants/{id}/backups": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A tenant's backups, newest first (admin) */
        get: operations["listBackups"];
        put?: never;
        /**
         * Start a backup of the tenant (admin)
         * @description `keep` prunes to the newest N afterwards. Poll the returned job log.
         */
        post: operations["createBackup"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/tenants/{id}/restore": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Restore the tenant from a named backup or its latest (admin)
         * @description The backup is verified first; the tenant's jobs pause while its schema is swapped; its cache is flushed.
         */
        post: operations["restoreTenant"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/tenants/{id}/maintenance": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Start maintenance of the tenant (admin) */
        post: operations["startMaintenance"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/tenants/{id}/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Status, schema size, backups, maintenance, queue and failures of a tenant (admin) */
        get: operations["getTenantHealth"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/tenants/{id}/keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The tenant’s API keys: name, prefix, last use, revocation (admin) */
        get: operations["listApiKeys"];
        put?: never;
        /** Create an API key for the tenant; the key is shown once (admin) */
        post: operations["createApiKey"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/tenants/{id}/keys/{keyId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revoke one of the tenant’s API keys (admin) */
        delete: operations["revokeApiKey"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/tenants/{id}/limits": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Scheduling limits of a tenant: overrides, plan defaults, effective values (admin, or its own key) */
        get: operations["getTenantLimits"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * Override concurrency, weight or rate limits of a tenant or its queues, or pause it (admin)
         * @description A JSON Merge Patch (RFC 7396), sent as application/merge-patch+json or application/json: absent fields stay, null returns a setting to the plan default. Effective for the next admission.
         */
        patch: operations["updateTenantLimits"];
        trace?: never;
    };
    "/api/tenants/{id}/pause": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Pause a tenant or one of its queues: nothing new starts, running jobs finish (admin)
         * @description With `queue`, only that logical queue; without, the whole tenant. A queue paused on its own stays paused when the tenant resumes.
         */
        post: operations["pauseTenant"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/tenants/{id}/resume": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Resume a paused tenant or queue (admin)
         * @description With `queue`, only that logical queue; without, the whole tenant. A queue paused on its own stays paused when the tenant resumes.
         */
        post: operations["resumeTenant"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/tenants/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One tenant (admin, or a key of that tenant) */
        get: operations["getTenant"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/jobs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Dispatch a job, or several in one transaction
         * @description A tenant key dispatches into its own tenant; an admin key names the tenant (or none, for a central job). An array dispatches all jobs or none. With an Idempotency-Key header, repeating the same request returns the first response; the same key with another body is 422. A request that would take a tenant past TENANT_MAX_PENDING_JOBS waiting jobs is 429 (Retry-After) and writes nothing.
         */
        post: operations["dispatchJobs"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/job-logs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List job logs, newest first
         * @description Keyset-paged: a page stays stable while new jobs are dispatched.
         */
        get: operations["listJobLogs"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/job-logs/stats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Counts by status and per task over a window */
        get: operations["getJobLogStats"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/job-logs/callback-secret": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The key that signs this tenant’s completion callbacks
         * @description Callbacks carry `Tenantry-Signature: sha256=<hex>`, the HMAC-SHA256 of the raw body with this key.
         */
        get: operations["getCallbackSecret"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/job-logs/cleanup": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Delete finished job logs older than N days
         * @description Pending and running rows are never deleted. A tenant key deletes only its own rows; an admin key every tenant's, or one tenant's with `tenant`.
         */
        delete: operations["cleanupJobLogs"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/job-logs/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One job log, whole */
        get: operations["getJobLog"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/job-logs/{id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Cancel a pending or running job
         * @description A pending job is removed and never runs (`cancelled`); a running job is signalled and its log ends `cancelled` (`cancelling` until then). A finished job is 409.
         */
        post: operations["cancelJob"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/job-logs/{id}/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Retry a failed or cancelled job on the same log row */
        post: operations["retryJob"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/job-logs/{id}/run-now": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Run a pending job now instead of at its run_at
         * @description For a delayed job or one waiting out its retry backoff: its start time becomes now; it keeps its log row, attempts, priority and job key, and starts when its tenant may start a job (its cap, a pause, its status and rate limit still hold). A started or finished job is 409 (one a worker is just taking may answer 202, and starts); a tenant key may not move its system work (403).
         */
        post: operations["runJobNow"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/job-logs/{id}/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Live status and progress (Server-Sent Events)
         * @description An `event: job` with the current state first, then one per change; after a terminal status an `event: end` closes the stream. A reconnect (with `Last-Event-ID`) to a finished job is answered 204, which tells a browser EventSource to stop reconnecting. A `: heartbeat` comment is sent every 15 seconds. The stream ends when its key is revoked or its tenant stops being active.
         */
        get: operations["streamJobLogEvents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/exports": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Start an export of tenant data
         * @description Runs as an `export-data` job; follow it with the status route or the job-log events. A tenant may have EXPORT_MAX_ACTIVE exports waiting or running at once (429 `export_limit_reached`, with Retry-After) and keep EXPORT_MAX_BYTES_PER_TENANT bytes of files (409 `export_quota_exceeded`: delete one, or wait until one expires).
         */
        post: operations["createExport"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/exports/status": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Exports of this tenant (all, or one tenant with `tenant`, for an admin key), newest first */
        get: operations["listExports"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/exports/{id}/status": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One export: status, progress, and its download link once completed */
        get: operations["getExport"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/exports/{id}/download": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Download a completed export
         * @description Streams the stored file; 409 while the export is not completed.
         */
        get: operations["downloadExport"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/exports/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Delete an export and its file
         * @description Gives its room in the tenant's export quota back at once. 409 while its job is waiting or running (cancel the job first).
         */
        delete: operations["deleteExport"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/files/{path}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Download a file
         * @description Always an attachment, with nosniff and a sandboxing Content-Security-Policy: a stored HTML file is never rendered as a page of this origin. ETag is the SHA-256; If-None-Match answers 304.
         */
        get: operations["getFile"];
        /**
         * Store a file in the tenant's files, replacing any at its path
         * @description The body is the file, stored as sent with its Content-Type (application/octet-stream when none). Readers see the old file (or none) until every byte is stored. 413 past FILE_MAX_BYTES (refused before reading when Content-Length says so); 409 `file_quota_exceeded` past FILE_MAX_BYTES_PER_TENANT or FILE_MAX_PER_TENANT; 429 `uploads_in_flight` past four uploads of one tenant at once (with Retry-After). Nothing is written by a refused upload.
         */
        put: operations["putFile"];
        post?: never;
        /**
         * Delete a file
         * @description Gives its room in the tenant's file quota back at once. A download already reading it ends whole: its bytes are kept for an hour (or until the quota needs the room).
         */
        delete: operations["deleteFile"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/files": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The tenant's files by path */
        get: operations["listFiles"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/files/{path}/links": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * A signed link that downloads the file without a key, until it expires
         * @description Nothing is stored: the link ends at `expires_at`, when the file is replaced or deleted, while its tenant is not active, and for every link when the admin key is rotated.
         */
        post: operations["createFileLink"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/shared-files/{token}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Download a file through a signed link (no key)
         * @description 404 for a link this API did not sign, one past its expiry, one whose file changed or was deleted, one made with a key since revoked, or one of a tenant that is not active; 400 for text that is not a link at all; 429 (Retry-After) when too many downloads of the tenant are under way. Query parameters are ignored.
         */
        get: operations["openFileLink"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/tenants/{id}/cache": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Flush a tenant's cache (admin)
         * @description Removes every cache entry of this tenant, and only of this tenant, from the configured store.
         */
        delete: operations["flushTenantCache"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/tenants/{id}/cache/stats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A tenant's cache figures (admin, or a key of that tenant) */
        get: operations["getTenantCacheStats"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Prometheus metrics of the cluster (admin key) */
        get: operations["getMetrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/session": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Who this key belongs to: the admin, or one tenant
         * @description A key that is not valid is 401; a key of a suspended or inactive tenant is 403 with the reason.
         */
        get: operations["getSession"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/stats/throughput": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Completions and failures per minute (last hour) and per half hour (last day) */
        get: operations["getThroughput"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/stats/attention": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Tenants with the most failures and with the oldest waiting jobs (admin) */
        get: operations["getTenantsNeedingAttention"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/stats/tenants": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Tenants with keys, cache, backups, maintenance and failures (admin)
         * @description One row per tenant in id order, keyset-paged. `backup_warning` is set without a backup or when the newest is older than 48 hours.
         */
        get: operations["listTenantOverview"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/plans": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The configured plans with each one's limits and scheduling defaults (admin) */
        get: operations["listPlans"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/plans/usage": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * An owner's tenants per plan against PLAN_LIMITS, and whether one more may be provisioned (admin)
         * @description An answer, not a reservation: a provision checks again, and of two provisions for the last place one is refused with 403 `plan_limit_reached`. Owners compare as provisioning compares them (Unicode compatibility form, trimmed, case-insensitive).
         */
        get: operations["getPlanUsage"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/queues": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Tenant lanes and central queues: depth, cap, weight, rate limit, share of admissions, pause
         * @description One row per tenant lane (tenant × logical queue, every lane that has had a job), as `tenantry jobs monitor` shows them; central queues (tenant null) are listed for admin keys only. Ordered by tenant, then queue.
         */
        get: operations["listQueues"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/workers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Worker processes with heartbeat age; stalled ones flagged (admin)
         * @description A worker is stalled when its heartbeat is older than three heartbeat intervals; after WORKER_RESCUE_AFTER_MS without one it is declared dead and its jobs are released.
         */
        get: operations["listWorkers"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/schedules": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Crontab entries with their next run and the outcome of their last runs (admin) */
        get: operations["listSchedules"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/job-logs/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Retry failed or cancelled jobs by filter or selection
         * @description Puts back in the queue every job log the filter (and `ids`, when given) selects, within the key's tenant, at most `limit` per call, oldest first; call again while `remaining` is above zero, passing the `as_of` the first call returned. `dry_run` only counts, for a confirmation that states the number.
         */
        post: operations["retryJobs"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/job-logs/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Cancel pending or running jobs by filter or selection
         * @description Cancels every job log the filter (and `ids`, when given) selects, within the key's tenant, at most `limit` per call, oldest first; call again while `remaining` is above zero, passing the `as_of` the first call returned. `dry_run` only counts, for a confirmation that states the number.
         */
        post: operations["cancelJobs"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/job-logs/run-now": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Run delayed or backing-off jobs now, by filter or selection
         * @description Makes due at once (as POST /api/job-logs/:id/run-now does) every job log the filter (and `ids`, when given) selects, within the key's tenant, at most `limit` per call, oldest first; call again while `remaining` is above zero, passing the `as_of` the first call returned. `dry_run` only counts, for a confirmation that states the number. Selects pending jobs whose start is still ahead; a tenant key's system work is left out.
         */
        post: operations["runJobsNow"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Live job-log and tenant changes for a whole page (Server-Sent Events)
         * @description One stream for a page rather than one per row. `event: ready` first; then `event: jobs` with `{"job_logs": [...]}` (list rows of the jobs that changed, at most one message every 500 ms), `event: tenant` with `{"id", "status"}` when a tenant is provisioned or changes status, and `event: resync` when changes were too many or may have been lost (re-read the page). A tenant key receives its own tenant only. A `: heartbeat` comment is sent every 15 seconds. The stream ends when its key is revoked or its tenant stops being active.
         */
        get: operations["streamEvents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** Problem */
        Problem: {
            /**
             * @description URI identifying the problem type
             * @example urn:tenantry:problem:not_found
             */
            type: string;
            /** @example Not found */
            title: string;
            /** @example 404 */
            status: number;
            /** @example job log 42 was not found */
            detail: string;
            /** @description the request id, for support */
            instance?: string;
            /** @example not_found */
            code: string;
            /** @description the offending field, for validation errors */
            field?: string;
            errors?: {
                field: string;
                message: string;
            }[];
        } & {
            [key: string]: unknown;
        };
        /** Tenant */
        Tenant: {
            /**
             * @description tenant slug: lowercase letters, digits and single dashes
             * @example acme
             */
            id: string;
            name: string;
            plan: string;
            status: "active" | "inactive" | "suspended";
            status_reason: string | null;
            settings: {
                [key: string]: unknown;
            };
            owner: string | null;
            concurrency: number;
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            updated_at: string;
        };
        /** TenantLimits */
        TenantLimits: {
            /**
             * @description tenant slug: lowercase letters, digits and single dashes
             * @example acme
             */
            tenant: string;
            /** @example pro */
            plan: string;
            status: "active" | "inactive" | "suspended";
            /** @description this tenant’s overrides; null follows the plan */
            override: {
                concurrency: number | null;
                weight: number | null;
                /** @description starts allowed per period, all the tenant’s queues together; null: no limit */
                rate: {
                    limit: number;
                    /** @description milliseconds */
                    period_ms: number;
                } | null;
            };
            /** @description what applies without an override: the plan’s PLAN_SCHEDULING entry, else the tenant’s concurrency, weight 1 and no rate limit */
            plan_defaults: {
                concurrency: number;
                weight: number;
                /** @description starts allowed per period, all the tenant’s queues together; null: no limit */
                rate: {
                    limit: number;
                    /** @description milliseconds */
                    period_ms: number;
                } | null;
            };
            /** @description what the scheduler applies now, to each of the tenant’s queues (concurrency: jobs running at once, cluster-wide) */
            effective: {
                concurrency: number;
                weight: number;
                /** @description starts allowed per period, all the tenant’s queues together; null: no limit */
                rate: {
                    limit: number;
                    /** @description milliseconds */
                    period_ms: number;
                } | null;
            };
            /** @description nothing new of the tenant starts */
            paused: boolean;
            /** @description queues of the tenant on which nothing new starts */
            paused_queues: string[];
            /** @description queues with a rate limit of their own (starts per period), on top of the tenant’s */
            queue_rates: {
                [key: string]: {
                    limit: number;
                    /** @description milliseconds */
                    period_ms: number;
                };
            };
            /** @description starts counted against the rate limits now: admitted jobs (started or about to) and late starts, over the last period and up to 100 ms before it */
            rate_use: {
                /** @description charges in the tenant’s window now (null: no rate limit) */
                tenant: number | null;
                /** @description charges in each window of a queue with a rate limit of its own */
                queues: {
                    [key: string]: number;
                };
            };
            /** @description last change of the overrides or pauses; null: never changed */
            updated_at: string | null;
        };
        /** @description A job to dispatch: one variant per task, chosen by `task`. */
        JobRequest: components["schemas"]["JobRequest.demo-failing"] | components["schemas"]["JobRequest.demo-slow"] | components["schemas"]["JobRequest.import-clients"] | components["schemas"]["JobRequest.process-company-context"] | components["schemas"]["JobRequest.send-appointment-email"] | components["schemas"]["JobRequest.send-email"] | components["schemas"]["JobRequest.send-notification"] | components["schemas"]["JobRequest.tenant-backup"] | components["schemas"]["JobRequest.tenant-maintenance"] | components["schemas"]["JobRequest.tenant-restore"];
        /**
         * @example {
         *       "id": "1042",
         *       "status": "pending",
         *       "queue": "emails",
         *       "task": "send-appointment-email",
         *       "tenant": "acme",
         *       "lane": "tenant_acme_emails",
         *       "run_at": "2026-11-23T20:00:00.000Z"
         *     }
         */
        AcceptedJob: {
            /** @description the job-log id */
            id: string;
            /** @description cancelled: a later item of the same request with the same job_key replaced it */
            status: "pending" | "cancelled";
            /** @description the job-log id that replaced it (when cancelled) */
            superseded_by?: string;
            queue: string;
            task: string;
            tenant: string | null;
            /** @description the graphile-worker queue it runs on */
            lane: string | null;
            /** Format: date-time */
            run_at: string;
        };
        /**
         * @example {
         *       "id": "1042",
         *       "tenant": "acme",
         *       "job_id": "88",
         *       "task": "export-data",
         *       "queue": "exports",
         *       "lane": "tenant_acme_exports",
         *       "status": "running",
         *       "status_label": "Running",
         *       "progress": 60,
         *       "step": "writing rows",
         *       "source": {
         *         "type": "export",
         *         "id": "7"
         *       },
         *       "attempts": 1,
         *       "max_attempts": 3,
         *       "priority": 0,
         *       "error_message": null,
         *       "run_at": "2026-11-23T20:00:00.000Z",
         *       "created_at": "2026-11-23T20:00:00.000Z",
         *       "started_at": "2026-11-23T20:00:01.000Z",
         *       "finished_at": null,
         *       "duration_ms": null,
         *       "cancel_requested_at": null,
         *       "payload": {
         *         "export_id": "7"
         *       },
         *       "meta": {},
         *       "result": null,
         *       "error_stack": null,
         *       "attempt_errors": []
         *     }
         */
        JobLog: {
            id: string;
            tenant: string | null;
            /** @description graphile-worker job id */
            job_id: string | null;
            task: string;
            queue: string;
            lane: string | null;
            /**
             * @description job status
             * @example running
             */
            status: "pending" | "running" | "completed" | "failed" | "cancelled";
            /** @description human label of the status */
            status_label: string;
            progress: number;
            step: string | null;
            source: {
                type: string;
                id: string;
            } | null;
            attempts: number;
            max_attempts: number;
            priority: number;
            error_message: string | null;
            /**
             * Format: date-time
             * @description when the job runs; while a failed attempt backs off (pending, attempts above 0), when it is tried next
             */
            run_at: string;
            /** Format: date-time */
            created_at: string;
            started_at: string | null;
            finished_at: string | null;
            duration_ms: number | null;
            cancel_requested_at: string | null;
            payload: unknown;
            meta: unknown;
            result: unknown;
            error_stack: string | null;
            /** @description every failed attempt, oldest first (the newest 25), kept across manual retries; error_message is the latest in full */
            attempt_errors: {
                /** @description the attempt that failed (1 is the first) */
                attempt: number;
                /** Format: date-time */
                at: string;
                /** @description pending: it was to run again; failed: it had failed for good */
                status: "pending" | "failed";
                /** @description its error, cut to 1,000 characters */
                message: string;
            }[];
        };
        /**
         * @example {
         *       "id": "1042",
         *       "tenant": "acme",
         *       "job_id": "88",
         *       "task": "export-data",
         *       "queue": "exports",
         *       "lane": "tenant_acme_exports",
         *       "status": "running",
         *       "status_label": "Running",
         *       "progress": 60,
         *       "step": "writing rows",
         *       "source": {
         *         "type": "export",
         *         "id": "7"
         *       },
         *       "attempts": 1,
         *       "max_attempts": 3,
         *       "priority": 0,
         *       "error_message": null,
         *       "run_at": "2026-11-23T20:00:00.000Z",
         *       "created_at": "2026-11-23T20:00:00.000Z",
         *       "started_at": "2026-11-23T20:00:01.000Z",
         *       "finished_at": null,
         *       "duration_ms": null,
         *       "cancel_requested_at": null
         *     }
         */
        JobLogSummary: {
            id: string;
            tenant: string | null;
            /** @description graphile-worker job id */
            job_id: string | null;
            task: string;
            queue: string;
            lane: string | null;
            /**
             * @description job status
             * @example running
             */
            status: "pending" | "running" | "completed" | "failed" | "cancelled";
            /** @description human label of the status */
            status_label: string;
            progress: number;
            step: string | null;
            source: {
                type: string;
                id: string;
            } | null;
            attempts: number;
            max_attempts: number;
            priority: number;
            error_message: string | null;
            /**
             * Format: date-time
             * @description when the job runs; while a failed attempt backs off (pending, attempts above 0), when it is tried next
             */
            run_at: string;
            /** Format: date-time */
            created_at: string;
            started_at: string | null;
            finished_at: string | null;
            duration_ms: number | null;
            cancel_requested_at: string | null;
        };
        /**
         * @example {
         *       "id": "7",
         *       "tenant": "acme",
         *       "job_log_id": "1042",
         *       "export_type": "clients",
         *       "format": "csv",
         *       "filters": {
         *         "search": "john"
         *       },
         *       "status": "completed",
         *       "progress": 100,
         *       "step": "1200 of 1200 rows",
         *       "error_message": null,
         *       "filename": "clients-7.csv",
         *       "content_type": "text/csv; charset=utf-8",
         *       "row_count": 1200,
         *       "byte_size": 98304,
         *       "created_at": "2026-11-23T20:00:00.000Z",
         *       "completed_at": "2026-11-23T20:00:03.000Z",
         *       "expires_at": "2026-11-30T20:00:00.000Z",
         *       "download_url": "/api/exports/7/download"
         *     }
         */
        Export: {
            id: string;
            tenant: string;
            job_log_id: string | null;
            export_type: string;
            format: string;
            filters: {
                [key: string]: string;
            };
            /** @description pending | running | completed | failed | cancelled */
            status: string;
            progress: number;
            step: string | null;
            error_message: string | null;
            filename: string;
            content_type: string;
            row_count: number | null;
            byte_size: number | null;
            /** Format: date-time */
            created_at: string;
            completed_at: string | null;
            /** Format: date-time */
            expires_at: string;
            download_url: string | null;
        };
        /**
         * @example {
         *       "tenant": "acme",
         *       "path": "imports/clients-2026-12.csv",
         *       "content_type": "text/csv",
         *       "byte_size": 5120,
         *       "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
         *       "stored_at": "2026-12-05T10:00:00.000Z",
         *       "download_url": "/api/files/imports%2Fclients-2026-12.csv?tenant=acme"
         *     }
         */
        TenantFile: {
            tenant: string;
            path: string;
            content_type: string;
            byte_size: number;
            /** @description hex SHA-256 of the bytes; also the download ETag */
            sha256: string;
            /** Format: date-time */
            stored_at: string;
            /** Format: uri-reference */
            download_url: string;
        };
        /** TenantOverview */
        TenantOverview: {
            id: string;
            name: string;
            plan: string;
            status: "active" | "inactive" | "suspended";
            status_reason: string | null;
            owner: string | null;
            limits: {
                /** @description jobs of one queue the tenant runs at once: its override, else its plan default */
                concurrency: number;
                /** @description tenants one owner may have on this plan (PLAN_LIMITS) */
                plan_tenants_per_owner: number | null;
            };
            /** @description API keys not revoked */
            key_count: number;
            cache_entries: number | null;
            newest_backup_at: string | null;
            /** @description set when there is no backup or the newest is older than 48 hours */
            backup_warning: string | null;
            last_maintenance_at: string | null;
            failed_last_24h: number;
            /** Format: date-time */
            created_at: string;
        };
        /** PlanUsage */
        PlanUsage: {
            plan: string;
            /** @description tenants one owner may have on this plan (PLAN_LIMITS) */
            limit: number;
            used: number;
            remaining: number;
            can_provision: boolean;
        };
        /** Plan */
        Plan: {
            /** @example pro */
            plan: string;
            /** @description tenants one owner may have on this plan (PLAN_LIMITS) */
            tenants_per_owner: number;
            /** @description jobs of one queue of a tenant at once (PLAN_SCHEDULING); null: the tenant's own (1 unless set) */
            concurrency: number | null;
            /** @description share of starts against competing tenants (PLAN_SCHEDULING, else 1) */
            weight: number;
            /** @description starts per period of each tenant (PLAN_SCHEDULING); null: no limit */
            rate: {
                limit: number;
                /** @description milliseconds */
                period_ms: number;
            } | null;
        };
        /** Queue */
        Queue: {
            /** @description null: a central queue */
            tenant: string | null;
            queue: string;
            tenant_status: string | null;
            /** @description waiting and due */
            ready: number;
            /** @description waiting for a later run_at (delayed or backing off before a retry) */
            scheduled: number;
            /** @description handed to graphile-worker by the scheduler, not yet taken by a worker (central: 0) */
            admitted: number;
            running: number;
            /** @description permanently failed, still queued (central queues; a tenant job leaves the queue when it fails) */
            failed: number;
            oldest_ready_at: string | null;
            /** @description jobs of the lane running at once, cluster-wide (null: a central queue) */
            cap: number | null;
            /** @description the tenant's fair-share weight, shared among its queues with jobs due (not paused or held by a rate limit; null: a central queue) */
            weight: number | null;
            /** @description the tenant's starts allowed per rate_period_ms, all its queues together (null: no rate limit) */
            rate_limit: number | null;
            /** @description the rate limit's period in milliseconds */
            rate_period_ms: number | null;
            /** @description this queue's own starts allowed per queue_rate_period_ms, on top of the tenant's (null: none) */
            queue_rate_limit: number | null;
            /** @description the queue's rate limit period in milliseconds */
            queue_rate_period_ms: number | null;
            /** @description the lane's fraction of the tenant jobs admitted (handed to workers) since share_since (for a tenant key, of that tenant's own admissions); null: a central queue, no baseline yet, or nothing admitted */
            fair_share: number | null;
            /** @description nothing new of the lane starts: the tenant or this queue is paused (null: a central queue) */
            paused: boolean | null;
            /** @description the whole tenant is paused (null: a central queue) */
            tenant_paused: boolean | null;
        };
        /** Worker */
        Worker: {
            /** @description graphile-worker pool id: the locked_by of the jobs it runs */
            id: string;
            hostname: string;
            pid: number;
            concurrency: number;
            /** @description --tenant filter */
            tenants: string[] | null;
            /** @description --queue filter */
            queues: string[] | null;
            /** Format: date-time */
            started_at: string;
            /** Format: date-time */
            last_seen_at: string;
            heartbeat_age_ms: number;
            /** @description the heartbeat is older than three heartbeat intervals */
            stalled: boolean;
            stats: {
                processed: number;
                failed: number;
                retried: number;
                cancelled: number;
                active: number;
            };
        };
        /** Schedule */
        Schedule: {
            /** @description graphile-worker identifier (`id=` option, else the task) */
            identifier: string;
            task: string;
            /** @description the five cron fields, UTC */
            expression: string;
            /** @description the comment above the entry */
            description: string;
            payload: unknown;
            /** Format: date-time */
            next_run_at: string;
            last_execution_at: string | null;
            /** @description the latest 5 runs within 40 days, newest first */
            recent_runs: {
                job_log_id: string;
                status: string;
                /** Format: date-time */
                created_at: string;
                finished_at: string | null;
                duration_ms: number | null;
                error_message: string | null;
            }[];
        };
        /**
         * Dispatch demo-failing
         * @description Tenant keys dispatch into their own tenant; admin keys name it (default queue demo).
         */
        "JobRequest.demo-failing": {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            task: "demo-failing";
            payload?: {
                message?: string;
            };
            /** @description admin keys: the tenant a tenant task runs for; tenant keys: their own (or omit) */
            tenant?: string;
            /**
             * @description logical queue; default is the task queue
             * @example emails
             */
            queue?: string;
            /**
             * Format: date-time
             * @description run no earlier than this time
             */
            run_at?: string;
            /** @description run after this delay in milliseconds, at most ten years (instead of run_at) */
            delay_ms?: number;
            /** @description lower runs first within the queue */
            priority?: number;
            /** @description replaces this tenant's pending job with the same key (debounce); keys are per tenant */
            job_key?: string;
            /** @description default is the task setting */
            max_attempts?: number;
            /** @description what the job is about, e.g. {type: "appointment", id: "42"} */
            source?: {
                type: string;
                id: string;
            };
            /** @description free-form metadata kept with the log */
            meta?: {
                [key: string]: unknown;
            };
            /**
             * Format: uri
             * @description tenant jobs: the job log is POSTed here when the job ends, signed in the Tenantry-Signature header (sha256=HMAC-SHA256 of the body with the tenant callback secret); http(s), no private addresses
             * @example https://app.example.com/hooks/jobs
             */
            callback_url?: string;
        };
        /**
         * Dispatch demo-slow
         * @description Tenant keys dispatch into their own tenant; admin keys name it (default queue demo).
         */
        "JobRequest.demo-slow": {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            task: "demo-slow";
            payload: {
                /** @description how long the work takes */
                seconds: number;
                /** @description progress reports (default 10) */
                steps?: number;
            };
            /** @description admin keys: the tenant a tenant task runs for; tenant keys: their own (or omit) */
            tenant?: string;
            /**
             * @description logical queue; default is the task queue
             * @example emails
             */
            queue?: string;
            /**
             * Format: date-time
             * @description run no earlier than this time
             */
            run_at?: string;
            /** @description run after this delay in milliseconds, at most ten years (instead of run_at) */
            delay_ms?: number;
            /** @description lower runs first within the queue */
            priority?: number;
            /** @description replaces this tenant's pending job with the same key (debounce); keys are per tenant */
            job_key?: string;
            /** @description default is the task setting */
            max_attempts?: number;
            /** @description what the job is about, e.g. {type: "appointment", id: "42"} */
            source?: {
                type: string;
                id: string;
            };
            /** @description free-form metadata kept with the log */
            meta?: {
                [key: string]: unknown;
            };
            /**
             * Format: uri
             * @description tenant jobs: the job log is POSTed here when the job ends, signed in the Tenantry-Signature header (sha256=HMAC-SHA256 of the body with the tenant callback secret); http(s), no private addresses
             * @example https://app.example.com/hooks/jobs
             */
            callback_url?: string;
        };
        /**
         * Dispatch import-clients
         * @description Tenant keys dispatch into their own tenant; admin keys name it (default queue imports).
         */
        "JobRequest.import-clients": {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            task: "import-clients";
            payload: {
                /** @description the CSV in the tenant's files: a header row (name, and any of email, phone, company_context) */
                path: string;
                /** @description import only if the file still has these bytes (the sha256 its upload answered) */
                sha256?: string;
            };
            /** @description admin keys: the tenant a tenant task runs for; tenant keys: their own (or omit) */
            tenant?: string;
            /**
             * @description logical queue; default is the task queue
             * @example emails
             */
            queue?: string;
            /**
             * Format: date-time
             * @description run no earlier than this time
             */
            run_at?: string;
            /** @description run after this delay in milliseconds, at most ten years (instead of run_at) */
            delay_ms?: number;
            /** @description lower runs first within the queue */
            priority?: number;
            /** @description replaces this tenant's pending job with the same key (debounce); keys are per tenant */
            job_key?: string;
            /** @description default is the task setting */
            max_attempts?: number;
            /** @description what the job is about, e.g. {type: "appointment", id: "42"} */
            source?: {
                type: string;
                id: string;
            };
            /** @description free-form metadata kept with the log */
            meta?: {
                [key: string]: unknown;
            };
            /**
             * Format: uri
             * @description tenant jobs: the job log is POSTed here when the job ends, signed in the Tenantry-Signature header (sha256=HMAC-SHA256 of the body with the tenant callback secret); http(s), no private addresses
             * @example https://app.example.com/hooks/jobs
             */
            callback_url?: string;
        };
        /**
         * Dispatch process-company-context
         * @description Tenant keys dispatch into their own tenant; admin keys name it (default queue ai).
         */
        "JobRequest.process-company-context": {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            task: "process-company-context";
            payload: {
                /** @description the client's id */
                client_id: number;
            };
            /** @description admin keys: the tenant a tenant task runs for; tenant keys: their own (or omit) */
            tenant?: string;
            /**
             * @description logical queue; default is the task queue
             * @example emails
             */
            queue?: string;
            /**
             * Format: date-time
             * @description run no earlier than this time
             */
            run_at?: string;
            /** @description run after this delay in milliseconds, at most ten years (instead of run_at) */
            delay_ms?: number;
            /** @description lower runs first within the queue */
            priority?: number;
            /** @description replaces this tenant's pending job with the same key (debounce); keys are per tenant */
            job_key?: string;
            /** @description default is the task setting */
            max_attempts?: number;
            /** @description what the job is about, e.g. {type: "appointment", id: "42"} */
            source?: {
                type: string;
                id: string;
            };
            /** @description free-form metadata kept with the log */
            meta?: {
                [key: string]: unknown;
            };
            /**
             * Format: uri
             * @description tenant jobs: the job log is POSTed here when the job ends, signed in the Tenantry-Signature header (sha256=HMAC-SHA256 of the body with the tenant callback secret); http(s), no private addresses
             * @example https://app.example.com/hooks/jobs
             */
            callback_url?: string;
        };
        /**
         * Dispatch send-appointment-email
         * @description Tenant keys dispatch into their own tenant; admin keys name it (default queue emails).
         */
        "JobRequest.send-appointment-email": {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            task: "send-appointment-email";
            payload: {
                /** @description the appointment's id */
                appointment_id: number;
                kind: "confirmation" | "cancellation" | "reminder";
            };
            /** @description admin keys: the tenant a tenant task runs for; tenant keys: their own (or omit) */
            tenant?: string;
            /**
             * @description logical queue; default is the task queue
             * @example emails
             */
            queue?: string;
            /**
             * Format: date-time
             * @description run no earlier than this time
             */
            run_at?: string;
            /** @description run after this delay in milliseconds, at most ten years (instead of run_at) */
            delay_ms?: number;
            /** @description lower runs first within the queue */
            priority?: number;
            /** @description replaces this tenant's pending job with the same key (debounce); keys are per tenant */
            job_key?: string;
            /** @description default is the task setting */
            max_attempts?: number;
            /** @description what the job is about, e.g. {type: "appointment", id: "42"} */
            source?: {
                type: string;
                id: string;
            };
            /** @description free-form metadata kept with the log */
            meta?: {
                [key: string]: unknown;
            };
            /**
             * Format: uri
             * @description tenant jobs: the job log is POSTed here when the job ends, signed in the Tenantry-Signature header (sha256=HMAC-SHA256 of the body with the tenant callback secret); http(s), no private addresses
             * @example https://app.example.com/hooks/jobs
             */
            callback_url?: string;
        };
        /**
         * Dispatch send-email
         * @description Tenant keys dispatch into their own tenant; admin keys name it (default queue emails).
         */
        "JobRequest.send-email": {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            task: "send-email";
            payload: {
                /** Format: email */
                to: string;
                subject: string;
                text: string;
                html?: string;
            };
            /** @description admin keys: the tenant a tenant task runs for; tenant keys: their own (or omit) */
            tenant?: string;
            /**
             * @description logical queue; default is the task queue
             * @example emails
             */
            queue?: string;
            /**
             * Format: date-time
             * @description run no earlier than this time
             */
            run_at?: string;
            /** @description run after this delay in milliseconds, at most ten years (instead of run_at) */
            delay_ms?: number;
            /** @description lower runs first within the queue */
            priority?: number;
            /** @description replaces this tenant's pending job with the same key (debounce); keys are per tenant */
            job_key?: string;
            /** @description default is the task setting */
            max_attempts?: number;
            /** @description what the job is about, e.g. {type: "appointment", id: "42"} */
            source?: {
                type: string;
                id: string;
            };
            /** @description free-form metadata kept with the log */
            meta?: {
                [key: string]: unknown;
            };
            /**
             * Format: uri
             * @description tenant jobs: the job log is POSTed here when the job ends, signed in the Tenantry-Signature header (sha256=HMAC-SHA256 of the body with the tenant callback secret); http(s), no private addresses
             * @example https://app.example.com/hooks/jobs
             */
            callback_url?: string;
        };
        /**
         * Dispatch send-notification
         * @description Tenant keys dispatch into their own tenant; admin keys name it (default queue notifications).
         */
        "JobRequest.send-notification": {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            task: "send-notification";
            payload: {
                channel: "sms" | "whatsapp" | "calendar";
                to: string;
                message: string;
            };
            /** @description admin keys: the tenant a tenant task runs for; tenant keys: their own (or omit) */
            tenant?: string;
            /**
             * @description logical queue; default is the task queue
             * @example emails
             */
            queue?: string;
            /**
             * Format: date-time
             * @description run no earlier than this time
             */
            run_at?: string;
            /** @description run after this delay in milliseconds, at most ten years (instead of run_at) */
            delay_ms?: number;
            /** @description lower runs first within the queue */
            priority?: number;
            /** @description replaces this tenant's pending job with the same key (debounce); keys are per tenant */
            job_key?: string;
            /** @description default is the task setting */
            max_attempts?: number;
            /** @description what the job is about, e.g. {type: "appointment", id: "42"} */
            source?: {
                type: string;
                id: string;
            };
            /** @description free-form metadata kept with the log */
            meta?: {
                [key: string]: unknown;
            };
            /**
             * Format: uri
             * @description tenant jobs: the job log is POSTed here when the job ends, signed in the Tenantry-Signature header (sha256=HMAC-SHA256 of the body with the tenant callback secret); http(s), no private addresses
             * @example https://app.example.com/hooks/jobs
             */
            callback_url?: string;
        };
        /**
         * Dispatch tenant-backup
         * @description Admin keys only; runs centrally (default queue lifecycle).
         */
        "JobRequest.tenant-backup": {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            task: "tenant-backup";
            payload?: {
                tenant?: string;
                keep?: number;
            };
            /**
             * @description logical queue; default is the task queue
             * @example emails
             */
            queue?: string;
            /**
             * Format: date-time
             * @description run no earlier than this time
             */
            run_at?: string;
            /** @description run after this delay in milliseconds, at most ten years (instead of run_at) */
            delay_ms?: number;
            /** @description lower runs first within the queue */
            priority?: number;
            /** @description replaces this tenant's pending job with the same key (debounce); keys are per tenant */
            job_key?: string;
            /** @description default is the task setting */
            max_attempts?: number;
            /** @description what the job is about, e.g. {type: "appointment", id: "42"} */
            source?: {
                type: string;
                id: string;
            };
            /** @description free-form metadata kept with the log */
            meta?: {
                [key: string]: unknown;
            };
            /**
             * Format: uri
             * @description tenant jobs: the job log is POSTed here when the job ends, signed in the Tenantry-Signature header (sha256=HMAC-SHA256 of the body with the tenant callback secret); http(s), no private addresses
             * @example https://app.example.com/hooks/jobs
             */
            callback_url?: string;
        };
        /**
         * Dispatch tenant-maintenance
         * @description Admin keys only; runs centrally (default queue lifecycle).
         */
        "JobRequest.tenant-maintenance": {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            task: "tenant-maintenance";
            payload?: {
                tenant?: string;
                backup?: boolean;
                keep?: number;
                optimize?: boolean;
                analyze?: boolean;
                vacuum?: boolean;
                cleanup_days?: number;
                dry_run?: boolean;
            };
            /**
             * @description logical queue; default is the task queue
             * @example emails
             */
            queue?: string;
            /**
             * Format: date-time
             * @description run no earlier than this time
             */
            run_at?: string;
            /** @description run after this delay in milliseconds, at most ten years (instead of run_at) */
            delay_ms?: number;
            /** @description lower runs first within the queue */
            priority?: number;
            /** @description replaces this tenant's pending job with the same key (debounce); keys are per tenant */
            job_key?: string;
            /** @description default is the task setting */
            max_attempts?: number;
            /** @description what the job is about, e.g. {type: "appointment", id: "42"} */
            source?: {
                type: string;
                id: string;
            };
            /** @description free-form metadata kept with the log */
            meta?: {
                [key: string]: unknown;
            };
            /**
             * Format: uri
             * @description tenant jobs: the job log is POSTed here when the job ends, signed in the Tenantry-Signature header (sha256=HMAC-SHA256 of the body with the tenant callback secret); http(s), no private addresses
             * @example https://app.example.com/hooks/jobs
             */
            callback_url?: string;
        };
        /**
         * Dispatch tenant-restore
         * @description Admin keys only; runs centrally (default queue lifecycle).
         */
        "JobRequest.tenant-restore": {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            task: "tenant-restore";
            payload: {
                tenant: string;
                backup?: string;
            };
            /**
             * @description logical queue; default is the task queue
             * @example emails
             */
            queue?: string;
            /**
             * Format: date-time
             * @description run no earlier than this time
             */
            run_at?: string;
            /** @description run after this delay in milliseconds, at most ten years (instead of run_at) */
            delay_ms?: number;
            /** @description lower runs first within the queue */
            priority?: number;
            /** @description replaces this tenant's pending job with the same key (debounce); keys are per tenant */
            job_key?: string;
            /** @description default is the task setting */
            max_attempts?: number;
            /** @description what the job is about, e.g. {type: "appointment", id: "42"} */
            source?: {
                type: string;
                id: string;
            };
            /** @description free-form metadata kept with the log */
            meta?: {
                [key: string]: unknown;
            };
            /**
             * Format: uri
             * @description tenant jobs: the job log is POSTed here when the job ends, signed in the Tenantry-Signature header (sha256=HMAC-SHA256 of the body with the tenant callback secret); http(s), no private addresses
             * @example https://app.example.com/hooks/jobs
             */
            callback_url?: string;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    getHealth: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "healthy",
                     *       "database": "connected",
                     *       "redis": "not_configured",
                     *       "cache": {
                     *         "store": "postgres",
                     *         "state": "connected"
                     *       },
                     *       "workers": {
                     *         "tasks_processed": 120,
                     *         "tasks_failed": 2,
                     *         "active_workers": 5,
                     *         "stalled_workers": 0
                     *       }
                     *     }
                     */
                    "application/json": {
                        /** @description unhealthy (503): the database does not answer; degraded (200): it does, but the cache store does not */
                        status: "healthy" | "degraded" | "unhealthy";
                        database: "connected" | "disconnected" | "not_configured";
                        redis: "connected" | "disconnected" | "not_configured";
                        cache: {
                            store: "postgres" | "redis";
                            state: "connected" | "disconnected" | "not_configured";
                        };
                        workers: {
                            tasks_processed: number;
                            tasks_failed: number;
                            /** @description worker slots whose job loop is progressing */
                            active_workers: number;
                            /** @description worker processes registered but not progressing (lost database, hung loop) */
                            stalled_workers: number;
                        };
                    };
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Default Response */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "healthy",
                     *       "database": "connected",
                     *       "redis": "not_configured",
                     *       "cache": {
                     *         "store": "postgres",
                     *         "state": "connected"
                     *       },
                     *       "workers": {
                     *         "tasks_processed": 120,
                     *         "tasks_failed": 2,
                     *         "active_workers": 5,
                     *         "stalled_workers": 0
                     *       }
                     *     }
                     */
                    "application/json": {
                        /** @description unhealthy (503): the database does not answer; degraded (200): it does, but the cache store does not */
                        status: "healthy" | "degraded" | "unhealthy";
                        database: "connected" | "disconnected" | "not_configured";
                        redis: "connected" | "disconnected" | "not_configured";
                        cache: {
                            store: "postgres" | "redis";
                            state: "connected" | "disconnected" | "not_configured";
                        };
                        workers: {
                            tasks_processed: number;
                            tasks_failed: number;
                            /** @description worker slots whose job loop is progressing */
                            active_workers: number;
                            /** @description worker processes registered but not progressing (lost database, hung loop) */
                            stalled_workers: number;
                        };
                    };
                };
            };
        };
    };
    getReady: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        status: "ready" | "not_ready";
                    };
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Default Response */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        status: "ready" | "not_ready";
                    };
                };
            };
        };
    };
    listTenants: {
        parameters: {
            query?: {
                /** @description items per page */
                page_size?: number;
                /** @description opaque token from a previous next_page_token */
                page_token?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        tenants: components["schemas"]["Tenant"][];
                        /** @description pass as page_token for the next page; null on the last page */
                        next_page_token: string | null;
                    };
                };
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    provisionTenant: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /**
                     * @description tenant slug: lowercase letters, digits and single dashes
                     * @example acme
                     */
                    id?: string;
                    /** @example Acme Dental */
                    name: string;
                    /**
                     * @example free
                     * @enum {string}
                     */
                    plan: "free" | "pro" | "business";
                    /**
                     * @description free-form; `timezone` (IANA), `language` (BCP 47) and `features` (map of booleans) are validated
                     * @example {
                     *       "timezone": "Europe/Madrid",
                     *       "language": "es",
                     *       "features": {
                     *         "exports": true
                     *       }
                     *     }
                     */
                    settings?: {
                        [key: string]: unknown;
                    };
                    /**
                     * @description compared case-insensitively for plan limits
                     * @example owner@example.com
                     */
                    owner?: string | null;
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        tenant: components["schemas"]["Tenant"];
                        api_key: {
                            /** @example 17 */
                            id: string;
                            /**
                             * @description shown once; only its hash is stored
                             * @example tnt_4f0c…
                             */
                            key: string;
                            /** @example tnt_4f0c1a2b */
                            prefix: string;
                        };
                        /** @example 42 */
                        welcome_job_log_id: string;
                    };
                };
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Payload too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported media type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    updateTenantSettings: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description tenant slug: lowercase letters, digits and single dashes
                 * @example acme
                 */
                id: string;
            };
            cookie?: never;
        };
        /** @description JSON Merge Patch (RFC 7396) of the settings: objects merge, null removes a key */
        requestBody?: {
            content: {
                /**
                 * @example {
                 *       "timezone": "America/Bogota",
                 *       "features": {
                 *         "beta": true,
                 *         "legacy": null
                 *       }
                 *     }
                 */
                "application/merge-patch+json": {
                    [key: string]: unknown;
                };
                /**
                 * @example {
                 *       "timezone": "America/Bogota",
                 *       "features": {
                 *         "beta": true,
                 *         "legacy": null
                 *       }
                 *     }
                 */
                "application/json": {
                    [key: string]: unknown;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Tenant"];
                };
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Payload too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported media type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    activateTenant: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description tenant slug: lowercase letters, digits and single dashes
                 * @example acme
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Tenant"];
                };
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Payload too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported media type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    deactivateTenant: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description tenant slug: lowercase letters, digits and single dashes
                 * @example acme
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": {
                    /** @example closed by owner */
                    reason?: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Tenant"];
                };
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Payload too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported media type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    suspendTenant: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description tenant slug: lowercase letters, digits and single dashes
                 * @example acme
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @example unpaid invoice #2024-118 */
                    reason: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Tenant"];
                };
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Payload too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported media type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listBackups: {
        parameters: {
            query?: {
                /** @description items per page */
                page_size?: number;
                /** @description opaque token from a previous next_page_token */
                page_token?: string;
            };
            header?: never;
            path: {
                /**
                 * @description tenant slug: lowercase letters, digits and single dashes
                 * @example acme
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        backups: {
                            id: string;
                            /** @example tenant_acme_2026-01-31_02-00-00.dump */
                            file_name: string;
                            size_bytes: number;
                            sha256: string;
                            encrypted: boolean;
                            /** Format: date-time */
                            created_at: string;
                            /** @description its file is not in BACKUP_DIR (deleted, a volume lost): recorded, never restorable */
                            file_missing: boolean;
                        }[];
                        /** @description backups a restore can use (their file is there) */
                        count: number;
                        /** @example 125.4 MiB */
                        total_size: string;
                        /** @description recorded backups whose file is missing */
                        missing: number;
                        /** @description pass as page_token for the next page; null on the last page */
                        next_page_token: string | null;
                    };
                };
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    createBackup: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description tenant slug: lowercase letters, digits and single dashes
                 * @example acme
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": {
                    /** @example 7 */
                    keep?: number;
                };
            };
        };
        responses: {
            /** @description Default Response */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @example 1234 */
                        job_log_id: string;
                    };
                };
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Payload too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported media type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    restoreTenant: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description tenant slug: lowercase letters, digits and single dashes
                 * @example acme
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    backup: string;
                } | {
                    /** @enum {boolean} */
                    latest: true;
                };
            };
        };
        responses: {
            /** @description Default Response */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @example 1234 */
                        job_log_id: string;
                    };
                };
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Payload too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported media type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    startMaintenance: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description tenant slug: lowercase letters, digits and single dashes
                 * @example acme
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                /**
                 * @example {
                 *       "vacuum": true,
                 *       "cleanup_days": 365,
                 *       "dry_run": true
                 *     }
                 */
                "application/json": {
                    backup?: boolean;
                    keep?: number;
                    /** @description ANALYZE, then REINDEX CONCURRENTLY of bloated indexes */
                    optimize?: boolean;
                    analyze?: boolean;
                    /** @description VACUUM (ANALYZE); never FULL */
                    vacuum?: boolean;
                    cleanup_days?: number;
                    /** @description report counts, change nothing */
                    dry_run?: boolean;
                };
            };
        };
        responses: {
            /** @description Default Response */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @example 1234 */
                        job_log_id: string;
                    };
                };
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Payload too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported media type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getTenantHealth: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description tenant slug: lowercase letters, digits and single dashes
                 * @example acme
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /**
                         * @description tenant slug: lowercase letters, digits and single dashes
                         * @example acme
                         */
                        tenant: string;
                        /** @example active */
                        status: string;
                        status_reason: string | null;
                        schema_bytes: number | null;
                        backups: {
                            count: number;
                            total_size: string;
                            newest_at: string | null;
                            oldest_at: string | null;
                        };
                        last_maintenance_at: string | null;
                        queue_depth: {
                            pending: number;
                            running: number;
                            /** @description of the pending, those whose run_at is still ahead */
                            scheduled: number;
                        };
                        /** @description what the scheduler applies now; GET /api/tenants/{id}/limits shows overrides and plan defaults */
                        scheduling: {
                            /** @description jobs of one queue running at once, cluster-wide */
                            concurrency: number;
                            weight: number;
                            rate: {
                                limit: number;
                                period_ms: number;
                            } | null;
                            paused: boolean;
                            paused_queues: string[];
                            /** @description queues with a rate limit of their own, on top of the tenant’s */
                            queue_rates: {
                                [key: string]: {
                                    limit: number;
                                    period_ms: number;
                                };
                            };
                            /** @description starts counted against the rate limits now: admitted jobs (started or about to) and late starts, over the last period and up to 100 ms before it */
                            rate_use: {
                                /** @description charges in the tenant’s window now (null: no rate limit) */
                                tenant: number | null;
                                /** @description charges in each window of a queue with a rate limit of its own */
                                queues: {
                                    [key: string]: number;
                                };
                            };
                        };
                        failed_last_24h: number;
                        cache_entries: number | null;
                        /** @description the tenant's stored files; null when its schema has none */
                        files: {
                            count: number;
                            bytes: number;
                            /** @description FILE_MAX_PER_TENANT */
                            max_count: number | null;
                            /** @description FILE_MAX_BYTES_PER_TENANT */
                            max_bytes: number | null;
                        } | null;
                        /**
                         * @example [
                         *       "newest backup is older than 48 hours"
                         *     ]
                         */
                        warnings: string[];
                    };
                };
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listApiKeys: {
        parameters: {
            query?: {
                /** @description items per page */
                page_size?: number;
                /** @description opaque token from a previous next_page_token */
                page_token?: string;
            };
            header?: never;
            path: {
                /**
                 * @description tenant slug: lowercase letters, digits and single dashes
                 * @example acme
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description oldest first, revoked keys included; never the keys themselves */
                        keys: {
                            /** @example 17 */
                            id: string;
                            /** @example rotation-2026-01 */
                            name: string;
                            /**
                             * @description the first characters of the key
                             * @example tnt_4f0c1a2b
                             */
                            prefix: string;
                            /** Format: date-time */
                            created_at: string;
                            /** @description last authenticated request (written at most once a minute) */
                            last_used_at: string | null;
                            /** @description null while the key works */
                            revoked_at: string | null;
                        }[];
                        /** @description pass as page_token for the next page; null on the last page */
                        next_page_token: string | null;
                    };
                };
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    createApiKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description tenant slug: lowercase letters, digits and single dashes
                 * @example acme
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": {
                    /** @example rotation-2026-01 */
                    name?: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @example 17 */
                        id: string;
                        /**
                         * @description shown once; only its hash is stored
                         * @example tnt_4f0c…
                         */
                        key: string;
                        /** @example tnt_4f0c1a2b */
                        prefix: string;
                    };
                };
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Payload too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported media type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    revokeApiKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description tenant slug: lowercase letters, digits and single dashes
                 * @example acme
                 */
                id: string;
                keyId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description revoked */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getTenantLimits: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description tenant slug: lowercase letters, digits and single dashes
                 * @example acme
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TenantLimits"];
                };
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Payload too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported media type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    updateTenantLimits: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description tenant slug: lowercase letters, digits and single dashes
                 * @example acme
                 */
                id: string;
            };
            cookie?: never;
        };
        /** @description A JSON Merge Patch (RFC 7396): an absent field stays as it is. */
        requestBody?: {
            content: {
                "application/merge-patch+json": {
                    /** @description jobs of one queue of the tenant running at once; null follows the plan */
                    concurrency?: number | null;
                    /** @description share of starts against competing tenants (2 gets twice 1’s); null follows the plan */
                    weight?: number | null;
                    /** @description starts per period, all the tenant’s queues together; a part merges into the current override (both are needed without one); null follows the plan */
                    rate?: {
                        /** @example 100 */
                        limit?: number;
                        /**
                         * @description milliseconds
                         * @example 60000
                         */
                        period_ms?: number;
                    } | null;
                    /** @description null: false */
                    paused?: boolean | null;
                    /** @description replaces the list; null: none */
                    paused_queues?: string[] | null;
                    /** @description rate limits of single queues, on top of the tenant’s, merged per queue: {limit, period_ms} sets one, null removes it; null for the whole object removes them all */
                    queue_rates?: {
                        [key: string]: {
                            /** @example 100 */
                            limit: number;
                            /**
                             * @description milliseconds
                             * @example 60000
                             */
                            period_ms: number;
                        } | null;
                    } | null;
                };
                "application/json": {
                    /** @description jobs of one queue of the tenant running at once; null follows the plan */
                    concurrency?: number | null;
                    /** @description share of starts against competing tenants (2 gets twice 1’s); null follows the plan */
                    weight?: number | null;
                    /** @description starts per period, all the tenant’s queues together; a part merges into the current override (both are needed without one); null follows the plan */
                    rate?: {
                        /** @example 100 */
                        limit?: number;
                        /**
                         * @description milliseconds
                         * @example 60000
                         */
                        period_ms?: number;
                    } | null;
                    /** @description null: false */
                    paused?: boolean | null;
                    /** @description replaces the list; null: none */
                    paused_queues?: string[] | null;
                    /** @description rate limits of single queues, on top of the tenant’s, merged per queue: {limit, period_ms} sets one, null removes it; null for the whole object removes them all */
                    queue_rates?: {
                        [key: string]: {
                            /** @example 100 */
                            limit: number;
                            /**
                             * @description milliseconds
                             * @example 60000
                             */
                            period_ms: number;
                        } | null;
                    } | null;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TenantLimits"];
                };
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Payload too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported media type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    pauseTenant: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description tenant slug: lowercase letters, digits and single dashes
                 * @example acme
                 */
                id: string;
            };
            cookie?: never;
        };
        /** @description queue: only this logical queue; absent: the whole tenant */
        requestBody?: {
            content: {
                "application/json": {
                    /**
                     * @description a logical queue of the tenant
                     * @example default
                     */
                    queue?: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TenantLimits"];
                };
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Payload too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported media type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    resumeTenant: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description tenant slug: lowercase letters, digits and single dashes
                 * @example acme
                 */
                id: string;
            };
            cookie?: never;
        };
        /** @description queue: only this logical queue; absent: the whole tenant */
        requestBody?: {
            content: {
                "application/json": {
                    /**
                     * @description a logical queue of the tenant
                     * @example default
                     */
                    queue?: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TenantLimits"];
                };
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Payload too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported media type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getTenant: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description tenant slug: lowercase letters, digits and single dashes
                 * @example acme
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Tenant"];
                };
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    dispatchJobs: {
        parameters: {
            query?: never;
            header?: {
                "idempotency-key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["JobRequest"] | components["schemas"]["JobRequest"][];
            };
        };
        responses: {
            /** @description Default Response */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AcceptedJob"] | components["schemas"]["AcceptedJob"][];
                };
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Payload too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported media type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unprocessable request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listJobLogs: {
        parameters: {
            query?: {
                /** @description items per page */
                page_size?: number;
                /** @description opaque token from a previous next_page_token */
                page_token?: string;
                /**
                 * @description job status
                 * @example running
                 */
                status?: "pending" | "running" | "completed" | "failed" | "cancelled";
                /** @example export-data */
                task?: string;
                /** @example default */
                queue?: string;
                /** @description admin keys only: one tenant */
                tenant?: string;
                /** @example appointment */
                source_type?: string;
                /** @example 42 */
                source_id?: string;
                /** @description inclusive */
                created_after?: string;
                /** @description exclusive */
                created_before?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        job_logs: components["schemas"]["JobLogSummary"][];
                        /** @description pass as page_token for the next page; null on the last page */
                        next_page_token: string | null;
                    };
                };
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getJobLogStats: {
        parameters: {
            query?: {
                /** @description default: 24 hours ago; at most 31 days ago */
                since?: string;
                /** @description admin keys only: one tenant */
                tenant?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "since": "2026-11-22T20:00:00.000Z",
                     *       "by_status": {
                     *         "pending": 2,
                     *         "running": 1,
                     *         "completed": 40,
                     *         "failed": 3,
                     *         "cancelled": 0
                     *       },
                     *       "by_task": [
                     *         {
                     *           "task": "export-data",
                     *           "total": 46,
                     *           "completed": 40,
                     *           "failed": 3,
                     *           "avg_duration_ms": 812,
                     *           "p95_duration_ms": 2400
                     *         }
                     *       ],
                     *       "now": {
                     *         "pending": 2,
                     *         "running": 1,
                     *         "scheduled": 1
                     *       }
                     *     }
                     */
                    "application/json": {
                        /** Format: date-time */
                        since: string;
                        by_status: {
                            pending: number;
                            running: number;
                            completed: number;
                            failed: number;
                            cancelled: number;
                        };
                        by_task: {
                            task: string;
                            total: number;
                            completed: number;
                            failed: number;
                            avg_duration_ms: number | null;
                            p95_duration_ms: number | null;
                        }[];
                        /** @description live queue, not the window */
                        now: {
                            pending: number;
                            running: number;
                            /** @description of the pending, those whose run_at is still ahead (delayed, or backing off before a retry) */
                            scheduled: number;
                        };
                        /** @description admin keys only */
                        by_tenant?: {
                            tenant: string | null;
                            total: number;
                            completed: number;
                            failed: number;
                        }[];
                    };
                };
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getCallbackSecret: {
        parameters: {
            query?: {
                /** @description admin keys: the tenant */
                tenant?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "tenant": "acme",
                     *       "secret": "mQ3c…"
                     *     }
                     */
                    "application/json": {
                        tenant: string;
                        secret: string;
                    };
                };
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    cleanupJobLogs: {
        parameters: {
            query: {
                /** @example 30 */
                older_than_days: number;
                /** @description admin keys: only this tenant; tenant keys: their own (another is 404) */
                tenant?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "deleted": 1200
                     *     }
                     */
                    "application/json": {
                        deleted: number;
                    };
                };
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getJobLog: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description job-log id
                 * @example 1042
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobLog"];
                };
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    cancelJob: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description job-log id
                 * @example 1042
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "1042",
                     *       "status": "cancelled"
                     *     }
                     */
                    "application/json": {
                        id: string;
                        status: "cancelled" | "cancelling";
                    };
                };
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Payload too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported media type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    retryJob: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description job-log id
                 * @example 1042
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "1042",
                     *       "status": "pending",
                     *       "job_id": null
                     *     }
                     */
                    "application/json": {
                        id: string;
                        /** @enum {string} */
                        status: "pending";
                        /** @description graphile-worker's job id; null while a tenant job waits in its lane */
                        job_id: string | null;
                    };
                };
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Payload too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported media type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    runJobNow: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description job-log id
                 * @example 1042
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "1042",
                     *       "status": "pending",
                     *       "run_at": "2026-12-05T10:00:00.000Z"
                     *     }
                     */
                    "application/json": {
                        id: string;
                        /** @enum {string} */
                        status: "pending";
                        /** Format: date-time */
                        run_at: string;
                    };
                };
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Payload too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported media type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    streamJobLogEvents: {
        parameters: {
            query?: {
                /** @description Last-Event-ID of a reconnect, for clients that cannot send the header */
                lastEventId?: string;
            };
            header?: never;
            path: {
                /**
                 * @description job-log id
                 * @example 1042
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description an event stream */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": string;
                };
            };
            /** @description the job has finished and the client reconnected: stop reconnecting */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    createExport: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "export_type": "clients",
                 *       "format": "csv",
                 *       "filters": {
                 *         "search": "john"
                 *       }
                 *     }
                 */
                "application/json": {
                    export_type: "clients" | "appointments" | "job_logs";
                    /** @default csv */
                    format?: "csv" | "json";
                    /** @description clients: search, created_after, created_before; appointments: status, client_id, starts_after, starts_before; job_logs: status, task, created_after, created_before */
                    filters?: {
                        [key: string]: unknown;
                    };
                    /** @description admin keys: the tenant to export; tenant keys: their own */
                    tenant?: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "7",
                     *       "job_log_id": "1042",
                     *       "status": "pending"
                     *     }
                     */
                    "application/json": {
                        id: string;
                        job_log_id: string;
                        /** @enum {string} */
                        status: "pending";
                    };
                };
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Payload too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported media type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listExports: {
        parameters: {
            query?: {
                /** @description items per page */
                page_size?: number;
                /** @description opaque token from a previous next_page_token */
                page_token?: string;
                /** @description admin keys: only this tenant; tenant keys: their own (another is 404) */
                tenant?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        exports: components["schemas"]["Export"][];
                        /** @description pass as page_token for the next page; null on the last page */
                        next_page_token: string | null;
                    };
                };
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getExport: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description export id
                 * @example 7
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Export"];
                };
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    downloadExport: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description export id
                 * @example 7
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the file, with Content-Disposition and Content-Length */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/csv": string;
                    "application/json": unknown[];
                };
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    deleteExport: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description export id
                 * @example 7
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getFile: {
        parameters: {
            query?: {
                /** @description the tenant whose files these are: admin keys name it; tenant keys may name only their own */
                tenant?: string;
            };
            header?: never;
            path: {
                /**
                 * @description the file's path, URL-encoded in the route (`/` as %2F): segments of up to 100 letters, digits, spaces (not at either end) and _ . ~ + = , @ ( ) -, joined by /, none of them . or .., at most 255 characters
                 * @example imports/clients-2026-12.csv
                 */
                path: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the file as stored, with the Content-Type it was uploaded with, Content-Length, Content-Disposition and ETag */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "*/*": string;
                };
            };
            /** @description the copy the client holds (If-None-Match) is current */
            304: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    putFile: {
        parameters: {
            query?: {
                /** @description the tenant whose files these are: admin keys name it; tenant keys may name only their own */
                tenant?: string;
            };
            header?: never;
            path: {
                /**
                 * @description the file's path, URL-encoded in the route (`/` as %2F): segments of up to 100 letters, digits, spaces (not at either end) and _ . ~ + = , @ ( ) -, joined by /, none of them . or .., at most 255 characters
                 * @example imports/clients-2026-12.csv
                 */
                path: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description replaced the file at this path */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TenantFile"];
                };
            };
            /** @description stored a new file */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TenantFile"];
                };
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Payload too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported media type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    deleteFile: {
        parameters: {
            query?: {
                /** @description the tenant whose files these are: admin keys name it; tenant keys may name only their own */
                tenant?: string;
            };
            header?: never;
            path: {
                /**
                 * @description the file's path, URL-encoded in the route (`/` as %2F): segments of up to 100 letters, digits, spaces (not at either end) and _ . ~ + = , @ ( ) -, joined by /, none of them . or .., at most 255 characters
                 * @example imports/clients-2026-12.csv
                 */
                path: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listFiles: {
        parameters: {
            query?: {
                /** @description the tenant whose files these are: admin keys name it; tenant keys may name only their own */
                tenant?: string;
                /** @description items per page */
                page_size?: number;
                /** @description opaque token from a previous next_page_token */
                page_token?: string;
                /** @description only files whose path starts with this (`imports/`) */
                prefix?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        files: components["schemas"]["TenantFile"][];
                        /** @description pass as page_token for the next page; null on the last page */
                        next_page_token: string | null;
                    };
                };
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    createFileLink: {
        parameters: {
            query?: {
                /** @description the tenant whose files these are: admin keys name it; tenant keys may name only their own */
                tenant?: string;
                /** @description seconds the link works (60 to a week; default a day) */
                expires_in?: number;
            };
            header?: never;
            path: {
                /**
                 * @description the file's path, URL-encoded in the route (`/` as %2F): segments of up to 100 letters, digits, spaces (not at either end) and _ . ~ + = , @ ( ) -, joined by /, none of them . or .., at most 255 characters
                 * @example imports/clients-2026-12.csv
                 */
                path: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "url": "/api/shared-files/WyJhY21lIiwicmVwb3J0cy9xMy5wZGYiLCI5Zjg2Li4uIiwxNzk2NjAwMDAwXQ.k2X…",
                     *       "expires_at": "2026-12-06T10:00:00.000Z",
                     *       "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
                     *     }
                     */
                    "application/json": {
                        /**
                         * Format: uri-reference
                         * @description opens the file without a key until expires_at
                         */
                        url: string;
                        /** Format: date-time */
                        expires_at: string;
                        /** @description the bytes the link serves: a replaced or deleted file ends it */
                        sha256: string;
                    };
                };
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Payload too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported media type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    openFileLink: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                token: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the file as stored, with the Content-Type it was uploaded with, Content-Length, Content-Disposition and ETag */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "*/*": string;
                };
            };
            /** @description the copy the client holds (If-None-Match) is current */
            304: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    flushTenantCache: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description tenant slug: lowercase letters, digits and single dashes
                 * @example acme
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "tenant": "acme",
                     *       "store": "postgres",
                     *       "flushed": 42
                     *     }
                     */
                    "application/json": {
                        tenant: string;
                        /** @description the configured cache store (CACHE_STORE) */
                        store: "postgres" | "redis";
                        /** @description live entries removed */
                        flushed: number;
                    };
                };
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getTenantCacheStats: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description tenant slug: lowercase letters, digits and single dashes
                 * @example acme
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "tenant": "acme",
                     *       "store": "postgres",
                     *       "entries": 1200,
                     *       "bytes": 262144,
                     *       "expired": 15,
                     *       "max_bytes": 268435456
                     *     }
                     */
                    "application/json": {
                        tenant: string;
                        /** @description the configured cache store (CACHE_STORE) */
                        store: "postgres" | "redis";
                        /** @description live entries */
                        entries: number;
                        /** @description UTF-8 bytes of the live entries’ keys and JSON values (not storage overhead) */
                        bytes: number;
                        /** @description entries past their expiry awaiting the sweep (always 0 with Redis, which expires them itself) */
                        expired: number;
                        /** @description CACHE_TENANT_MAX_BYTES: the cache sweep evicts the oldest entries of a tenant over it (null: no bound) */
                        max_bytes: number | null;
                    };
                };
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getMetrics: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Prometheus text exposition format */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getSession: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "kind": "tenant",
                     *       "tenant": "acme",
                     *       "tenant_name": "Acme Clinic"
                     *     }
                     */
                    "application/json": {
                        kind: "admin" | "tenant";
                        /** @description a tenant key's tenant; null for admin */
                        tenant: string | null;
                        tenant_name: string | null;
                    };
                };
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getThroughput: {
        parameters: {
            query?: {
                /** @description admin keys: only this tenant; tenant keys: their own (another is 404) */
                tenant?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Jobs that ended (completed, permanently failed, cancelled) per minute over the last hour and per half hour over the last day, by the time they ended. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "generated_at": "2026-11-23T20:00:00.000Z",
                     *       "hour": {
                     *         "bucket_seconds": 60,
                     *         "buckets": [
                     *           {
                     *             "start": "2026-11-23T19:59:00.000Z",
                     *             "completed": 12,
                     *             "failed": 1,
                     *             "cancelled": 0
                     *           }
                     *         ],
                     *         "totals": {
                     *           "completed": 12,
                     *           "failed": 1,
                     *           "cancelled": 0
                     *         }
                     *       },
                     *       "day": {
                     *         "bucket_seconds": 1800,
                     *         "buckets": [
                     *           {
                     *             "start": "2026-11-23T19:30:00.000Z",
                     *             "completed": 340,
                     *             "failed": 4,
                     *             "cancelled": 2
                     *           }
                     *         ],
                     *         "totals": {
                     *           "completed": 340,
                     *           "failed": 4,
                     *           "cancelled": 2
                     *         }
                     *       }
                     *     }
                     */
                    "application/json": {
                        /** Format: date-time */
                        generated_at: string;
                        hour: {
                            bucket_seconds: number;
                            buckets: {
                                /** Format: date-time */
                                start: string;
                                completed: number;
                                failed: number;
                                cancelled: number;
                            }[];
                            totals: {
                                completed: number;
                                failed: number;
                                cancelled: number;
                            };
                        };
                        day: {
                            bucket_seconds: number;
                            buckets: {
                                /** Format: date-time */
                                start: string;
                                completed: number;
                                failed: number;
                                cancelled: number;
                            }[];
                            totals: {
                                completed: number;
                                failed: number;
                                cancelled: number;
                            };
                        };
                    };
                };
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getTenantsNeedingAttention: {
        parameters: {
            query?: {
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "most_failures": [
                     *         {
                     *           "tenant": "acme",
                     *           "failed": 4,
                     *           "total": 120
                     *         }
                     *       ],
                     *       "oldest_waiting": [
                     *         {
                     *           "tenant": "globex",
                     *           "oldest_ready_at": "2026-11-23T19:12:00.000Z",
                     *           "ready": 31
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": {
                        /** @description permanent failures over the last 24 hours, most first */
                        most_failures: {
                            tenant: string;
                            failed: number;
                            total: number;
                        }[];
                        /** @description the oldest job that is due and waiting, per tenant, oldest first */
                        oldest_waiting: {
                            tenant: string;
                            /** Format: date-time */
                            oldest_ready_at: string;
                            ready: number;
                        }[];
                    };
                };
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listTenantOverview: {
        parameters: {
            query?: {
                /** @description items per page */
                page_size?: number;
                /** @description opaque token from a previous next_page_token */
                page_token?: string;
                status?: "active" | "inactive" | "suspended";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "tenants": [
                     *         {
                     *           "id": "acme",
                     *           "name": "Acme Clinic",
                     *           "plan": "pro",
                     *           "status": "active",
                     *           "status_reason": null,
                     *           "owner": "ops@acme.test",
                     *           "limits": {
                     *             "concurrency": 2,
                     *             "plan_tenants_per_owner": 5
                     *           },
                     *           "key_count": 2,
                     *           "cache_entries": 14,
                     *           "newest_backup_at": "2026-11-23T02:00:04.000Z",
                     *           "backup_warning": null,
                     *           "last_maintenance_at": "2026-11-22T04:00:09.000Z",
                     *           "failed_last_24h": 3,
                     *           "created_at": "2026-10-01T09:00:00.000Z"
                     *         }
                     *       ],
                     *       "next_page_token": null
                     *     }
                     */
                    "application/json": {
                        tenants: components["schemas"]["TenantOverview"][];
                        /** @description pass as page_token for the next page; null on the last page */
                        next_page_token: string | null;
                    };
                };
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listPlans: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        plans: components["schemas"]["Plan"][];
                    };
                };
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getPlanUsage: {
        parameters: {
            query: {
                owner: string;
                /** @description one plan; default all */
                plan?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        owner: string;
                        plans: components["schemas"]["PlanUsage"][];
                    };
                };
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listQueues: {
        parameters: {
            query?: {
                /** @description items per page */
                page_size?: number;
                /** @description opaque token from a previous next_page_token */
                page_token?: string;
                /** @description admin keys: only this tenant; tenant keys: their own (another is 404) */
                tenant?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "queues": [
                     *         {
                     *           "tenant": "acme",
                     *           "queue": "notifications",
                     *           "tenant_status": "active",
                     *           "ready": 4,
                     *           "scheduled": 1,
                     *           "admitted": 1,
                     *           "running": 2,
                     *           "failed": 0,
                     *           "oldest_ready_at": "2026-11-23T19:59:41.000Z",
                     *           "cap": 3,
                     *           "weight": 1,
                     *           "rate_limit": 100,
                     *           "rate_period_ms": 60000,
                     *           "queue_rate_limit": null,
                     *           "queue_rate_period_ms": null,
                     *           "fair_share": 0.25,
                     *           "paused": false,
                     *           "tenant_paused": false
                     *         }
                     *       ],
                     *       "share_since": "2026-11-23T19:56:02.000Z",
                     *       "next_page_token": null
                     *     }
                     */
                    "application/json": {
                        queues: components["schemas"]["Queue"][];
                        /** @description start of the stretch fair_share covers (up to 5 minutes back, kept by this API process); null: no baseline yet, the next request has one */
                        share_since: string | null;
                        /** @description pass as page_token for the next page; null on the last page */
                        next_page_token: string | null;
                    };
                };
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listWorkers: {
        parameters: {
            query?: {
                /** @description items per page */
                page_size?: number;
                /** @description opaque token from a previous next_page_token */
                page_token?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "workers": [
                     *         {
                     *           "id": "worker-3f2a",
                     *           "hostname": "app-1",
                     *           "pid": 4242,
                     *           "concurrency": 5,
                     *           "tenants": null,
                     *           "queues": null,
                     *           "started_at": "2026-11-23T19:00:00.000Z",
                     *           "last_seen_at": "2026-11-23T20:00:00.000Z",
                     *           "heartbeat_age_ms": 2100,
                     *           "stalled": false,
                     *           "stats": {
                     *             "processed": 1200,
                     *             "failed": 3,
                     *             "retried": 5,
                     *             "cancelled": 1,
                     *             "active": 2
                     *           }
                     *         }
                     *       ],
                     *       "heartbeat_interval_ms": 10000,
                     *       "stalled_after_ms": 30000,
                     *       "next_page_token": null
                     *     }
                     */
                    "application/json": {
                        workers: components["schemas"]["Worker"][];
                        heartbeat_interval_ms: number;
                        stalled_after_ms: number;
                        /** @description pass as page_token for the next page; null on the last page */
                        next_page_token: string | null;
                    };
                };
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listSchedules: {
        parameters: {
            query?: {
                /** @description items per page */
                page_size?: number;
                /** @description opaque token from a previous next_page_token */
                page_token?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "schedules": [
                     *         {
                     *           "identifier": "tenant-backup",
                     *           "task": "tenant-backup",
                     *           "expression": "0 2 * * *",
                     *           "description": "Backups of every tenant, daily at 02:00, keeping the newest 7 of each.",
                     *           "payload": {
                     *             "keep": 7
                     *           },
                     *           "next_run_at": "2026-11-24T02:00:00.000Z",
                     *           "last_execution_at": "2026-11-23T02:00:00.000Z",
                     *           "recent_runs": [
                     *             {
                     *               "job_log_id": "981",
                     *               "status": "completed",
                     *               "created_at": "2026-11-23T02:00:00.120Z",
                     *               "finished_at": "2026-11-23T02:00:41.000Z",
                     *               "duration_ms": 40800,
                     *               "error_message": null
                     *             }
                     *           ]
                     *         }
                     *       ],
                     *       "next_page_token": null
                     *     }
                     */
                    "application/json": {
                        schedules: components["schemas"]["Schedule"][];
                        /** @description pass as page_token for the next page; null on the last page */
                        next_page_token: string | null;
                    };
                };
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    retryJobs: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: {
            content: {
                /**
                 * @example {
                 *       "filter": {
                 *         "status": "failed",
                 *         "tenant": "acme"
                 *       },
                 *       "dry_run": true
                 *     }
                 */
                "application/json": {
                    /** @description the filters of GET /api/job-logs */
                    filter?: {
                        /**
                         * @description job status
                         * @example running
                         */
                        status?: "pending" | "running" | "completed" | "failed" | "cancelled";
                        task?: string;
                        queue?: string;
                        /** @description admin keys: only this tenant; tenant keys: their own (another is 404) */
                        tenant?: string;
                        source_type?: string;
                        source_id?: string;
                        /**
                         * Format: date-time
                         * @description inclusive
                         */
                        created_after?: string;
                        /**
                         * Format: date-time
                         * @description exclusive
                         */
                        created_before?: string;
                    };
                    /** @description only these job logs (a selection), still within the filter */
                    ids?: string[];
                    /**
                     * @description count only
                     * @default false
                     */
                    dry_run?: boolean;
                    /**
                     * Format: date-time
                     * @description act only on rows in their state by this instant (retry: finished by then; cancel: created by then; run-now: created and last started by then). Pass the as_of a dry run (or the first call) returned to every call after it, so a retried job that fails again, or a job dispatched meanwhile, is not taken a second time
                     */
                    as_of?: string;
                    /**
                     * @description most rows acted on
                     * @default 100
                     */
                    limit?: number;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "action": "retry",
                     *       "dry_run": false,
                     *       "matched": 3,
                     *       "done": [
                     *         "17",
                     *         "18",
                     *         "21"
                     *       ],
                     *       "skipped": [],
                     *       "remaining": 0,
                     *       "as_of": "2026-11-23T20:00:00.123456Z"
                     *     }
                     */
                    "application/json": {
                        action: "retry" | "cancel" | "run-now";
                        dry_run: boolean;
                        /** @description rows the action applies to, before this call */
                        matched: number;
                        /** @description ids acted on by this call */
                        done: string[];
                        /** @description rows that changed meanwhile and were left alone */
                        skipped: {
                            id: string;
                            detail: string;
                        }[];
                        /** @description rows still matching: call again while above 0 */
                        remaining: number;
                        /**
                         * Format: date-time
                         * @description the request's as_of, or the instant this call counted at: pass it to the calls that follow
                         */
                        as_of: string;
                    };
                };
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Payload too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported media type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    cancelJobs: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: {
            content: {
                /**
                 * @example {
                 *       "filter": {
                 *         "status": "failed",
                 *         "tenant": "acme"
                 *       },
                 *       "dry_run": true
                 *     }
                 */
                "application/json": {
                    /** @description the filters of GET /api/job-logs */
                    filter?: {
                        /**
                         * @description job status
                         * @example running
                         */
                        status?: "pending" | "running" | "completed" | "failed" | "cancelled";
                        task?: string;
                        queue?: string;
                        /** @description admin keys: only this tenant; tenant keys: their own (another is 404) */
                        tenant?: string;
                        source_type?: string;
                        source_id?: string;
                        /**
                         * Format: date-time
                         * @description inclusive
                         */
                        created_after?: string;
                        /**
                         * Format: date-time
                         * @description exclusive
                         */
                        created_before?: string;
                    };
                    /** @description only these job logs (a selection), still within the filter */
                    ids?: string[];
                    /**
                     * @description count only
                     * @default false
                     */
                    dry_run?: boolean;
                    /**
                     * Format: date-time
                     * @description act only on rows in their state by this instant (retry: finished by then; cancel: created by then; run-now: created and last started by then). Pass the as_of a dry run (or the first call) returned to every call after it, so a retried job that fails again, or a job dispatched meanwhile, is not taken a second time
                     */
                    as_of?: string;
                    /**
                     * @description most rows acted on
                     * @default 100
                     */
                    limit?: number;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "action": "retry",
                     *       "dry_run": false,
                     *       "matched": 3,
                     *       "done": [
                     *         "17",
                     *         "18",
                     *         "21"
                     *       ],
                     *       "skipped": [],
                     *       "remaining": 0,
                     *       "as_of": "2026-11-23T20:00:00.123456Z"
                     *     }
                     */
                    "application/json": {
                        action: "retry" | "cancel" | "run-now";
                        dry_run: boolean;
                        /** @description rows the action applies to, before this call */
                        matched: number;
                        /** @description ids acted on by this call */
                        done: string[];
                        /** @description rows that changed meanwhile and were left alone */
                        skipped: {
                            id: string;
                            detail: string;
                        }[];
                        /** @description rows still matching: call again while above 0 */
                        remaining: number;
                        /**
                         * Format: date-time
                         * @description the request's as_of, or the instant this call counted at: pass it to the calls that follow
                         */
                        as_of: string;
                    };
                };
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Payload too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported media type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    runJobsNow: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: {
            content: {
                /**
                 * @example {
                 *       "filter": {
                 *         "status": "failed",
                 *         "tenant": "acme"
                 *       },
                 *       "dry_run": true
                 *     }
                 */
                "application/json": {
                    /** @description the filters of GET /api/job-logs */
                    filter?: {
                        /**
                         * @description job status
                         * @example running
                         */
                        status?: "pending" | "running" | "completed" | "failed" | "cancelled";
                        task?: string;
                        queue?: string;
                        /** @description admin keys: only this tenant; tenant keys: their own (another is 404) */
                        tenant?: string;
                        source_type?: string;
                        source_id?: string;
                        /**
                         * Format: date-time
                         * @description inclusive
                         */
                        created_after?: string;
                        /**
                         * Format: date-time
                         * @description exclusive
                         */
                        created_before?: string;
                    };
                    /** @description only these job logs (a selection), still within the filter */
                    ids?: string[];
                    /**
                     * @description count only
                     * @default false
                     */
                    dry_run?: boolean;
                    /**
                     * Format: date-time
                     * @description act only on rows in their state by this instant (retry: finished by then; cancel: created by then; run-now: created and last started by then). Pass the as_of a dry run (or the first call) returned to every call after it, so a retried job that fails again, or a job dispatched meanwhile, is not taken a second time
                     */
                    as_of?: string;
                    /**
                     * @description most rows acted on
                     * @default 100
                     */
                    limit?: number;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "action": "retry",
                     *       "dry_run": false,
                     *       "matched": 3,
                     *       "done": [
                     *         "17",
                     *         "18",
                     *         "21"
                     *       ],
                     *       "skipped": [],
                     *       "remaining": 0,
                     *       "as_of": "2026-11-23T20:00:00.123456Z"
                     *     }
                     */
                    "application/json": {
                        action: "retry" | "cancel" | "run-now";
                        dry_run: boolean;
                        /** @description rows the action applies to, before this call */
                        matched: number;
                        /** @description ids acted on by this call */
                        done: string[];
                        /** @description rows that changed meanwhile and were left alone */
                        skipped: {
                            id: string;
                            detail: string;
                        }[];
                        /** @description rows still matching: call again while above 0 */
                        remaining: number;
                        /**
                         * Format: date-time
                         * @description the request's as_of, or the instant this call counted at: pass it to the calls that follow
                         */
                        as_of: string;
                    };
                };
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Payload too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported media type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    streamEvents: {
        parameters: {
            query?: {
                /** @description admin keys: only this tenant; tenant keys: their own (another is 404) */
                tenant?: string;
                /** @description Last-Event-ID of a reconnect, for clients that cannot send the header */
                lastEventId?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description an event stream */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": string;
                };
            };
            /** @description Request validation failed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication required */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Forbidden */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal server error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Service unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
}
