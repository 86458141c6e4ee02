import { type Clock, type CommandView, CoordinatorError } from '@coordinator/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type CommandHandler, finalResult } from '../command-handler.js';
import { parseFilter, parseSubmission } from '../submission-schema.js';
import { commandBody } from './command-body.js';

/** What the routes need besides the handler. */
export interface RouteConfig {
  readonly handler: CommandHandler;
  readonly clock: Clock;
  readonly maxWaitMs: number;
  readonly retryAfterSeconds: number;
  readonly metrics: () => string | Promise<string>;
  /** Every `wait` in progress; aborted when the server closes. */
  readonly waits: Set<AbortController>;
}

/** A whole number of ms; any larger than `maxWaitMs` waits `maxWaitMs`. */
function parseWait(value: unknown, maxWaitMs: number): number {
  if (value === undefined) return 0;
  if (typeof value !== 'string' || !/^\d+$/.test(value)) {
    throw new CoordinatorError(
      'INVALID_PAYLOAD',
      `Expected \`wait\` to be a whole number of ms (up to ${maxWaitMs}; larger waits are capped to it)`,
    );
  }
  return Math.min(Number(value), maxWaitMs);
}

/** One header's value; its bytes are read as UTF-8 (a header cannot carry other text). */
function singleHeader(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  if (Array.isArray(value)) {
    throw new CoordinatorError('INVALID_PAYLOAD', `Send one \`${name}\` header, not several`);
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: any ASCII byte is its own UTF-8
  if (value === undefined || /^[\x00-\x7f]*$/.test(value)) return value;
  try {
    return utf8.decode(Buffer.from(value, 'latin1'));
  } catch {
    throw new CoordinatorError('INVALID_PAYLOAD', `The \`${name}\` header is not UTF-8`);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Waits up to `waitMs` for the Command to finish; undefined when it did not. */
async function awaitDone(
  config: RouteConfig,
  id: string,
  waitMs: number,
  reply: FastifyReply,
): Promise<CommandView | undefined> {
  const controller = new AbortController();
  const timer = config.clock.setTimer(() => controller.abort(), waitMs);
  const gone = () => controller.abort();
  reply.raw.once('close', gone);
  config.waits.add(controller);
  try {
    return await config.handler.whenDone(id, controller.signal);
  } catch (error) {
    if (controller.signal.aborted) return undefined;
    throw error;
  } finally {
    config.clock.clearTimer(timer);
    reply.raw.off('close', gone);
    config.waits.delete(controller);
  }
}

/** The contract of `docs/transport.md`: `/v1/commands`, health, readiness and metrics. */
export function registerRoutes(app: FastifyInstance, config: RouteConfig): void {
  const { handler } = config;

  app.post('/v1/commands', async (request, reply) => {
    if (request.headers['content-type'] === undefined) {
      return reply.code(415).send({
        error: { code: 'INVALID_PAYLOAD', message: 'Expected a JSON body (application/json)' },
      });
    }
    const submission = parseSubmission(request.body, singleHeader(request, 'idempotency-key'));
    const waitMs = parseWait((request.query as Record<string, unknown>).wait, config.maxWaitMs);
    const submitted = await handler.submit(submission);
    let done: CommandView | undefined;
    if (submitted.state === 'done') done = await handler.get(submitted.id);
    else if (waitMs > 0) done = await awaitDone(config, submitted.id, waitMs, reply);
    if (done) return reply.code(200).send(finalResult(done));
    const state =
      waitMs > 0 ? ((await handler.get(submitted.id))?.state ?? submitted.state) : submitted.state;
    return reply
      .code(202)
      .header('location', `/v1/commands/${encodeURIComponent(submitted.id)}`)
      .send({ id: submitted.id, state });
  });

  app.get('/v1/commands/:id', async (request, reply) => {
    const { id } = request.params as { id: string };
    const details = await handler.get(id);
    if (!details) throw new CoordinatorError('UNKNOWN_COMMAND', `No Command with id ${id}`);
    return reply.send(commandBody(details, true));
  });

  app.get('/v1/commands', async (request, reply) => {
    const filter = parseFilter(request.query);
    const page = await handler.list(filter);
    return reply.send({
      commands: page.commands.map((details) => commandBody(details, false)),
      ...(page.next === undefined ? {} : { next: page.next }),
    });
  });

  app.get('/healthz', async (_request, reply) => {
    const { ready, detail } = handler.status();
    return reply.send({ status: 'ok', ready, ...(detail ? { detail } : {}) });
  });

  app.get('/readyz', async (_request, reply) => {
    const { ready, detail } = handler.status();
    if (ready) return reply.send({ ready, ...(detail ? { detail } : {}) });
    return reply
      .code(503)
      .header('retry-after', String(config.retryAfterSeconds))
      .send({ error: { code: 'NOT_READY', message: 'The node is not ready (recovering)' } });
  });

  app.get('/metrics', async (_request, reply) => {
    const text = await config.metrics();
    return reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8').send(text);
  });
}
