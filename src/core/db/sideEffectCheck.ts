/**
 * The check every user statement passes before it runs (EXPLAIN, and the advisors' measurements): one catalog
 * round trip that reads standard_conforming_strings and walks to the non-transactional functions the
 * statement reaches (nonTransactional.ts). Throws TunerError('unsafe-statement') naming the function and way.
 */
import { TunerError } from '../errors';
import { backslashInPlainString } from '../sql/lexer';
import type { StatementRunner } from './statementRunner';
import { describeReached, reachParams, reachQuery, readReachReply, type ReachReply } from './nonTransactional';
import { reachStart } from './statementSafety';

/**
 * `notDone` starts the refusal ("Not explained with ANALYZE"). `run`: whether the statement will be executed (ANALYZE, a measurement) or only planned. Planning runs only
 * what the planner evaluates itself: functions declared STABLE or IMMUTABLE with constant arguments.
 * Must run inside a transaction after walkSettings (nonTransactional.ts).
 */
export async function requireNothingKept(
  runner: StatementRunner,
  sql: string,
  run: boolean,
  notDone = run ? 'Not run' : 'Not explained',
): Promise<ReachReply> {
  const reply = readReachReply(
    (await runner.run(reachQuery, reachParams(reachStart(sql)), { preparedName: 'pg_tuner_reach' }))[0],
  );
  if (!reply.standardConformingStrings && backslashInPlainString(sql)) {
    throw new TunerError(
      'unsafe-statement',
      `${notDone}: this database has standard_conforming_strings = off, so the server reads a backslash in a '…' string ` +
        "as an escape where the tuner reads it literally, and the two would not see the same statement. Write such strings as E'…' " +
        '(or set standard_conforming_strings = on for the connection).',
    );
  }
  const refused = reply.reached.find((hit) => run || hit.plannerMayRun);
  if (refused) {
    const why = run
      ? ' A rollback cannot undo that; an estimate-only explain (without ANALYZE) does not run it.'
      : ' A function on the way is declared STABLE or IMMUTABLE, so the planner may run it while planning.';
    throw new TunerError('unsafe-statement', `${notDone}: ${describeReached(refused)}.${why}`);
  }
  return reply;
}
