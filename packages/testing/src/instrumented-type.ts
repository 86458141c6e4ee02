import {
  type CodeCommandType,
  type CommandType,
  defineCommand,
  defineSaga,
  type SagaCommandType,
  type StepContext,
  type StepInfo,
  toErrorData,
} from '@coordinator/core';
import { executionScope } from './execution-scope.js';
import { crashedError } from './injected-fault.js';

/** Runs one step's function inside its scope, so its service calls are tied to it. */
async function runStep<T>(info: StepInfo, service: string, fn: () => Promise<T> | T): Promise<T> {
  const scope = executionScope.getStore();
  if (!scope) return fn();
  if (scope.incarnation.dead) throw crashedError();
  const recorder = scope.incarnation.recorder;
  const attempt = recorder.beginStep(scope.incarnation, info, service);
  try {
    const value = await executionScope.run(
      { incarnation: scope.incarnation, commandId: info.commandId, attempt },
      fn,
    );
    if (attempt.calls === 0) {
      const fault = await recorder.endWithoutCalls(attempt);
      if (fault) throw fault;
    }
    attempt.end = 'ok';
    return value;
  } catch (error) {
    attempt.end = toErrorData(error).code;
    throw error;
  }
}

function instrumentSaga<Rcv>(original: SagaCommandType<Rcv>): SagaCommandType<Rcv> {
  return defineSaga<unknown, Rcv>({
    type: original.type,
    validate: original.validate,
    routingKey: original.routingKey,
    result: original.result,
    steps: original.steps.map((step) => {
      const { compensate } = step;
      return {
        name: step.name,
        service: step.service,
        run: (receiver, payload, info) =>
          runStep(info, step.service, () => step.run(receiver, payload, info)),
        ...(compensate
          ? {
              compensate: (
                receiver: Rcv,
                payload: unknown,
                info: Parameters<typeof compensate>[2],
              ) => runStep(info, step.service, () => compensate(receiver, payload, info)),
            }
          : {}),
      };
    }),
  });
}

function instrumentCode<Rcv>(original: CodeCommandType<Rcv>): CodeCommandType<Rcv> {
  return defineCommand<unknown, unknown, Rcv>({
    type: original.type,
    services: original.services,
    validate: original.validate,
    routingKey: original.routingKey,
    exec: (ctx, payload, receiver) => {
      const scope = executionScope.getStore();
      const traced: StepContext = {
        commandId: ctx.commandId,
        attempt: ctx.attempt,
        step: (service, name, fn) => {
          let ran = false;
          return ctx
            .step(service, name, (info) => {
              ran = true;
              return runStep(info, service, () => fn(info));
            })
            .catch((error: unknown) => {
              // Refused before it ran (cancelled, say): the timeline says so.
              if (!ran && scope)
                scope.incarnation.recorder.refused(scope.incarnation, name, ctx.commandId, error);
              throw error;
            });
        },
      };
      const body = () => original.exec(traced, payload, receiver);
      return scope
        ? executionScope.run({ incarnation: scope.incarnation, commandId: ctx.commandId }, body)
        : body();
    },
  });
}

const instrumented = new WeakMap<CommandType<never>, CommandType<never>>();

/**
 * The same Command type (same name, same machine, same records) whose steps run inside the kit's
 * scope: each step attempt is recorded and checked, and the calls it makes are tied to it. Made
 * once per type.
 */
export function instrument<Rcv>(commandType: CommandType<Rcv>): CommandType<Rcv> {
  const key = commandType as CommandType<never>;
  let made = instrumented.get(key);
  if (!made) {
    made = (
      commandType.kind === 'saga' ? instrumentSaga(commandType) : instrumentCode(commandType)
    ) as CommandType<never>;
    instrumented.set(key, made);
  }
  return made as CommandType<Rcv>;
}
