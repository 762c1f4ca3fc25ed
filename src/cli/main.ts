/**
 * `pg-tuner`: the command-line front end. Parses arguments, runs one command, maps the outcome to an
 * exit code (0 done, 1 error, 2 --fail-on reached, 64 usage, 130 interrupted).
 */
import { isCancelled } from '../core/errors';
import { terminalText } from '../core/text/terminalText';
import { helpText, parseCliArgs, UsageError, wantsHelp } from './args';
import type { CliRequest } from './args';
import { createColours } from './colours';
import { checkCommand } from './commands/check';
import { compareCommand } from './commands/compare';
import { adviseCommand } from './commands/advise';
import { adviseWorkloadCommand } from './commands/adviseWorkload';
import { demoCommand } from './commands/demo';
import { explainCommand } from './commands/explain';
import { healthCommand } from './commands/health';
import { loopsCommand } from './commands/loops';
import { mcpCommand } from './commands/mcp';
import { planCommand } from './commands/plan';
import { reportCommand } from './commands/report';
import { rewriteCommand } from './commands/rewrite';
import { statsCommand } from './commands/stats';
import { topCommand } from './commands/top';
import { exitCodes } from './exitCodes';
import type { CommandIo } from './io';
import { describeError } from './reportError';
import type { ErrorContext } from './reportError';

async function runCommand(request: CliRequest, io: CommandIo, errorContext: ErrorContext): Promise<number> {
  switch (request.command) {
    case 'advise':
      return request.workload ? adviseWorkloadCommand(request, io) : adviseCommand(request, io, errorContext);
    case 'rewrite':
      return rewriteCommand(request, io, errorContext);
    case 'explain':
      return explainCommand(request, io, errorContext);
    case 'plan':
      return planCommand(request, io, errorContext);
    case 'report':
      return reportCommand(request, io, errorContext);
    case 'demo':
      return demoCommand(request, io);
    case 'top':
      return topCommand(request, io);
    case 'health':
      return healthCommand(request, io);
    case 'compare':
      return compareCommand(request, io, errorContext);
    case 'loops':
      return loopsCommand(request, io);
    case 'mcp':
      return mcpCommand(request, io);
    case 'check':
      return checkCommand(request, io);
    case 'stats':
      return statsCommand(request, io);
  }
}

export async function main(argv: string[]): Promise<number> {
  const isTty = process.stdout.isTTY === true;
  if (wantsHelp(argv)) {
    process.stdout.write(`${helpText}\n`);
    return exitCodes.ok;
  }
  let request: CliRequest;
  try {
    request = parseCliArgs(argv, { isTty, env: process.env });
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`pg-tuner: ${err.message}\n\n${helpText}\n`);
    return exitCodes.usage;
  }
  const colours = createColours(request.colour);
  const errColours = createColours(process.stderr.isTTY === true && request.colour);
  const controller = new AbortController();
  let interrupted = false;
  const onSigint = (): void => {
    // First Ctrl-C cancels the statement on the server; a second one leaves at once.
    if (interrupted) process.exit(exitCodes.interrupted);
    interrupted = true;
    process.stderr.write('Cancelling…\n');
    controller.abort();
  };
  // A job runner's stop (SIGTERM) or a closed terminal (SIGHUP) cancels the same way: left to their default, the
  // process ended at once and its statement kept running on the server, holding its locks until the timeout.
  const stopSignals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const s of stopSignals) process.on(s, onSigint);
  // Names from plans and databases reach every command's output: no control sequence of theirs may reach the terminal.
  const io: CommandIo = {
    out: (text) => process.stdout.write(terminalText(text, colours.enabled)),
    note: (text) => process.stderr.write(`${errColours.dim(terminalText(text, errColours.enabled))}\n`),
    colours,
    signal: controller.signal,
    env: process.env,
  };
  const errorContext: ErrorContext = {};
  try {
    return await runCommand(request, io, errorContext);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`pg-tuner: ${err.message}\n\n${helpText}\n`);
      return exitCodes.usage;
    }
    if (isCancelled(err) && interrupted) {
      process.stderr.write('Cancelled.\n');
      return exitCodes.interrupted;
    }
    process.stderr.write(`${terminalText(describeError(err, errorContext, errColours), errColours.enabled)}\n`);
    return exitCodes.error;
  } finally {
    for (const s of stopSignals) process.off(s, onSigint);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      // PGlite and pg may keep handles open a moment; the answer is complete, so leave with the code.
      process.stdout.write('', () => process.exit(code));
    },
    (err: unknown) => {
      process.stderr.write(
        `pg-tuner: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exit(exitCodes.error);
    },
  );
}
