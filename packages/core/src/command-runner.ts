import { codeBodyState, sagaCompensated, sagaCompleted } from './command-machine.js';
import { type CommandState, outcomeOf } from './command-state.js';
import type {
  CodeCommandType,
  CommandType,
  SagaCommandType,
  SagaStepInfo,
  StepContext,
} from './command-type.js';
import { CoordinatorError, type ErrorData, toErrorData } from './errors.js';
import { idempotencyKey } from './outcome-page.js';
import type { LogRecord } from './records.js';

type Draft<R> = R extends LogRecord ? Omit<R, 'v' | 'id' | 'at'> : never;
/** A record as the runner asks for it; the driver stamps version, id and time. */
export type RecordDraft = Draft<LogRecord>;

/** How a run ended: the Command finished, or waits for a retry. */
export type RunEnd = 'done' | 'delayed' | 'blocked';

/**
 * Appends a record for the Command: resolves once it is durable and applied to its state. `then`,
 * when given, is the record that follows it (a saga's `done` after its last Outcome): both go in
 * one append, each checked against the machine before either is written.
 */
export type AppendRecord = (
  command: CommandState,
  draft: RecordDraft,
  then?: RecordDraft,
) => Promise<void>;

/** A step failure becomes a wait record when it is CmdDelayed or CmdBlocked. */
function waitKind(error: ErrorData): 'delayed' | 'blocked' | undefined {
  if (error.code === 'DELAYED') return 'delayed';
  if (error.code === 'BLOCKED') return 'blocked';
  return undefined;
}

/**
 * Runs a Command from where its records left it until it is done or waits. Recorded steps are
 * never run again; each new Outcome is durable before the next step starts.
 */
export function runCommand<Rcv>(
  command: CommandState,
  commandType: CommandType<Rcv>,
  receiver: Rcv,
  append: AppendRecord,
): Promise<RunEnd> {
  return commandType.kind === 'code'
    ? runCode(command, commandType, receiver, append)
    : runSaga(command, commandType, receiver, append);
}

async function runCode<Rcv>(
  command: CommandState,
  commandType: CodeCommandType<Rcv>,
  receiver: Rcv,
  append: AppendRecord,
): Promise<RunEnd> {
  const ran = new Set<string>();
  let current = codeBodyState;
  let currentService: string | undefined;
  let logFailure: unknown;
  const ctx: StepContext = {
    commandId: command.id,
    attempt: command.attempts,
    step: async (service, name, fn) => {
      if (ran.has(name)) {
        throw new CoordinatorError(
          'INVALID_DEFINITION',
          `Command type ${command.type} runs step ${name} twice in one execution; give each step its own name`,
        );
      }
      ran.add(name);
      const recorded = outcomeOf(command, name);
      if (recorded) return recorded.outcome as never;
      if (command.cancelled) throw cancelledBefore(command, name);
      current = name;
      currentService = service;
      const outcome = await fn({
        commandId: command.id,
        step: name,
        idempotencyKey: idempotencyKey(command.id, name),
        attempt: command.attempts,
      });
      try {
        await append(command, {
          kind: 'outcome',
          step: name,
          service,
          outcome: outcome ?? null,
          type: command.type,
        });
      } catch (error) {
        logFailure = error;
        throw error;
      }
      current = codeBodyState;
      currentService = undefined;
      return outcome;
    },
  };
  let result: unknown;
  try {
    result = await commandType.exec(ctx, command.payload, receiver);
  } catch (thrown) {
    if (logFailure !== undefined) throw logFailure;
    const error = toErrorData(thrown);
    const kind = waitKind(error);
    if (kind) {
      await append(command, withService({ kind, step: current, error }, currentService));
      return kind;
    }
    await append(command, { kind: 'done', error });
    return 'done';
  }
  if (logFailure !== undefined) throw logFailure;
  await append(command, { kind: 'done', result: result ?? null });
  return 'done';
}

function withService<D extends RecordDraft>(draft: D, service: string | undefined): D {
  return service === undefined ? draft : { ...draft, service };
}

function outcomesByStep(command: CommandState): Record<string, unknown> {
  const byStep: Record<string, unknown> = {};
  for (const o of command.outcomes) byStep[o.step] = o.outcome;
  return byStep;
}

function cancelledBefore(command: CommandState, step: string): CoordinatorError {
  return new CoordinatorError(
    'CANCELLED',
    `Command ${command.id} was cancelled by an operator before step ${step} ran`,
  );
}

/** The error a compensated saga ends with: the step's failure (or CANCELLED), or COMPENSATION_FAILED. */
function compensatedError(command: CommandState, failures = command.failures): ErrorData {
  const [failed, ...compensations] = failures;
  const cause = !failed
    ? 'a step failed'
    : failed.error.code === 'CANCELLED'
      ? `was cancelled before step ${failed.step}`
      : `step ${failed.step} failed: ${failed.error.message}`;
  if (compensations.length > 0) {
    const which = compensations.map((f) => `${f.step} (${f.error.message})`).join(', ');
    return {
      code: 'COMPENSATION_FAILED',
      message: `Saga ${command.type} ${cause}; compensations failed: ${which}`,
    };
  }
  return {
    code: failed?.error.code ?? 'STEP_FAILED',
    message: `Saga ${command.type} ${cause}; completed steps were compensated`,
  };
}

type StepEnd = Extract<RecordDraft, { kind: 'outcome' | 'failed' }>;

/**
 * The saga's `done` when the step's record `end` leads to its end (its last Outcome, or the
 * failure or compensation that leaves nothing to compensate): it rides in the same append, since
 * no step runs between them. Undefined otherwise, or when the saga's `result` throws (then `done`
 * is left to the next round, which reports the failure as before).
 */
function doneAfter<Rcv>(
  command: CommandState,
  commandType: SagaCommandType<Rcv>,
  end: StepEnd,
): RecordDraft | undefined {
  const after = command.current.next.get(end.kind === 'outcome' ? 'OUTCOME' : 'FAILED');
  if (after?.position === sagaCompensated) {
    const failures =
      end.kind === 'failed'
        ? [...command.failures, { step: end.step, error: end.error }]
        : undefined;
    return { kind: 'done', error: compensatedError(command, failures) };
  }
  if (after?.position !== sagaCompleted || end.kind !== 'outcome') return undefined;
  try {
    const outcomes = { ...outcomesByStep(command), [end.step]: end.outcome };
    return { kind: 'done', result: commandType.result(outcomes, command.payload) ?? null };
  } catch {
    return undefined;
  }
}

async function runSaga<Rcv>(
  command: CommandState,
  commandType: SagaCommandType<Rcv>,
  receiver: Rcv,
  append: AppendRecord,
): Promise<RunEnd> {
  for (;;) {
    // Its end rode with the last step's record: done.
    if (command.current.state === 'done') return 'done';
    const position = command.current.position;
    if (position === sagaCompleted) {
      const result = commandType.result(outcomesByStep(command), command.payload);
      await append(command, { kind: 'done', result: result ?? null });
      return 'done';
    }
    if (position === sagaCompensated) {
      await append(command, { kind: 'done', error: compensatedError(command) });
      return 'done';
    }
    const action = commandType.actions.get(position);
    if (!action) {
      throw new CoordinatorError(
        'INVALID_DEFINITION',
        `Saga ${command.type} has no step for state ${position}; the log was written by another definition of it`,
      );
    }
    const { step, compensation } = action;
    if (command.cancelled && !compensation) {
      // A cancelled saga runs no further step: the step fails, so the completed ones compensate.
      const error = cancelledBefore(command, position).toData();
      await appendEnd(command, { kind: 'failed', step: position, service: step.service, error });
      continue;
    }
    const outcomes = outcomesByStep(command);
    const info: SagaStepInfo = {
      commandId: command.id,
      step: position,
      idempotencyKey: idempotencyKey(command.id, position),
      attempt: command.attempts,
      outcomes,
    };
    let outcome: unknown;
    try {
      outcome =
        compensation && step.compensate
          ? await step.compensate(receiver, command.payload, {
              ...info,
              outcome: outcomes[step.name],
            })
          : await step.run(receiver, command.payload, info);
    } catch (thrown) {
      const error = toErrorData(thrown);
      const kind = waitKind(error);
      if (kind) {
        await append(command, { kind, step: position, service: step.service, error });
        return kind;
      }
      await appendEnd(command, { kind: 'failed', step: position, service: step.service, error });
      continue;
    }
    await appendEnd(command, {
      kind: 'outcome',
      step: position,
      service: step.service,
      outcome: outcome ?? null,
      type: command.type,
      ...(compensation ? { compensation: true as const } : {}),
    });
  }

  function appendEnd(command: CommandState, end: StepEnd): Promise<void> {
    return append(command, end, doneAfter(command, commandType, end));
  }
}
