import { sql } from 'kysely';
import { Type } from 'typebox';
import { deadline } from '../deadline.ts';
import { defineTask, RowId } from '../jobs/define.ts';
import { PermanentJobError } from '../jobs/errors.ts';

interface AiReply {
  text?: unknown;
  response?: unknown;
  content?: unknown;
}

/**
 * The seed's ProcessCompanyContextJob: sends a client's company context to the AI endpoint
 * and stores the processed text. The original is kept in company_context_original; when
 * every attempt fails the client keeps the original text (the seed's fallback).
 */
export const processCompanyContext = defineTask({
  name: 'process-company-context',
  // Tenant keys for their own tenant; admin keys name the tenant.
  audience: 'tenant',
  queue: 'ai',
  maxAttempts: 3,
  timeoutMs: 60_000,
  payload: Type.Object({ client_id: RowId("the client's id") }, { additionalProperties: false }),
  async handler(payload, ctx) {
    const { aiEndpointUrl, aiTimeoutMs } = ctx.services.config;
    const client = await ctx.db
      .selectFrom('clients')
      .select(['id', 'company_context', 'company_context_original'])
      .where('id', '=', String(payload.client_id))
      .executeTakeFirst();
    if (!client) throw new PermanentJobError(`client ${payload.client_id} does not exist`);
    const original = client.company_context_original ?? client.company_context;
    if (!original?.trim()) return { skipped: 'the client has no company context' };
    if (!aiEndpointUrl) return { skipped: 'AI_ENDPOINT_URL is not set; the original context is kept' };

    ctx.progress(20, 'waiting for the AI service');
    const limit = deadline(
      ctx.signal,
      aiTimeoutMs,
      () => new Error(`AI service timed out after ${aiTimeoutMs} ms`),
    );
    let reply: AiReply;
    try {
      const response = await fetch(aiEndpointUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ client_id: payload.client_id, text: original }),
        signal: limit.signal,
      });
      if (!response.ok) throw new Error(`AI service answered ${response.status}`);
      reply = (await response.json()) as AiReply;
    } finally {
      limit.clear();
    }
    const processed = [reply.text, reply.response, reply.content].find(
      (v) => typeof v === 'string' && v.trim(),
    );
    if (typeof processed !== 'string') throw new Error('AI service reply has no text');

    await ctx.db
      .updateTable('clients')
      .set({
        company_context: processed,
        company_context_original: original,
        context_processed_at: sql<Date>`now()`,
        updated_at: sql<Date>`now()`,
      })
      .where('id', '=', client.id)
      .execute();
    return { original_length: original.length, processed_length: processed.length };
  },
  async onFailed(payload, error, ctx) {
    ctx.logger.warn(
      { client: payload.client_id, err: error },
      'AI processing failed for good; keeping the original context',
    );
    ctx.progress(100, 'kept the original context');
  },
});
