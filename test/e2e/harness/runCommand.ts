/**
 * Runs one step of the end-to-end harness (npm, tar, node-gyp, code-server's own CLI) as a child process without
 * blocking the event loop, so mocha's hook timeouts and the browser keep working while a step takes minutes. A
 * failing step throws with the command, its folder and the end of its output: the reader sees which step broke
 * and why without rerunning it by hand.
 */
import { spawn } from 'node:child_process';

export interface CommandResult {
  stdout: string;
  stderr: string;
}

/** How much of a failing step's output the error quotes: compiler and npm errors sit at the end. */
const quotedTailChars = 4000;

export function runCommand(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; what: string },
): Promise<CommandResult> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (err) => reject(new Error(`${options.what}: could not run \`${command}\` (${err.message}).`)));
    child.on('close', (code, signal) => {
      if (code === 0) {
        resolveRun({ stdout, stderr });
        return;
      }
      const output = `${stdout}\n${stderr}`.trim();
      reject(
        new Error(
          `${options.what} failed (${signal ? `signal ${signal}` : `exit code ${code}`}): \`${[command, ...args].join(' ')}\` in ${options.cwd}\n` +
            (output ? `…${output.slice(-quotedTailChars)}` : '(no output)'),
        ),
      );
    });
  });
}
