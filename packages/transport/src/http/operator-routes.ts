import { CoordinatorError } from '@coordinator/core';
import type { FastifyInstance } from 'fastify';
import type { ChartFormat, CommandHandler } from '../command-handler.js';
import { parseOutcomeQuery } from '../submission-schema.js';
import { commandBody } from './command-body.js';

const chartTypes: Readonly<Record<ChartFormat, string>> = {
  svg: 'image/svg+xml; charset=utf-8',
  mermaid: 'text/plain; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

/**
 * What an operator and the inspector page use besides the Command routes: retry now and cancel
 * (`POST /v1/commands/{id}/retry|cancel`, answered with the Command), the Command types and their
 * charts (`GET /v1/types`, `GET /v1/types/{type}/chart?format=svg|mermaid|json`) and the node's
 * state (`GET /v1/node`), and a service's Outcomes kept for replay (`GET /v1/outcomes`).
 */
export function registerOperatorRoutes(app: FastifyInstance, handler: CommandHandler): void {
  app.post('/v1/commands/:id/retry', async (request, reply) => {
    const { id } = request.params as { id: string };
    return reply.send(commandBody(await handler.retryNow(id), true));
  });

  app.post('/v1/commands/:id/cancel', async (request, reply) => {
    const { id } = request.params as { id: string };
    return reply.send(commandBody(await handler.cancel(id), true));
  });

  app.get('/v1/types', async (_request, reply) => reply.send({ types: handler.types() }));

  app.get('/v1/types/:type/chart', async (request, reply) => {
    const { type } = request.params as { type: string };
    const format = (request.query as Record<string, unknown>).format ?? 'svg';
    if (format !== 'svg' && format !== 'mermaid' && format !== 'json') {
      throw new CoordinatorError('INVALID_PAYLOAD', 'Expected `format` to be svg, mermaid or json');
    }
    const chart = await handler.chart(type, format);
    return reply.header('content-type', chartTypes[format]).send(chart);
  });

  app.get('/v1/node', async (_request, reply) => reply.send(await handler.inspect()));

  app.get('/v1/outcomes', async (request, reply) => {
    const query = parseOutcomeQuery(request.query as Record<string, unknown>);
    return reply.send(await handler.outcomes(query));
  });
}
