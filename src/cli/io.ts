import type { Colours } from './colours';

/** What a command may touch of the outside world; main.ts builds it from process, tests may too. */
export interface CommandIo {
  out(text: string): void;
  /** Progress and notes, never mixed into the result on stdout (which may be JSON). */
  note(text: string): void;
  colours: Colours;
  /** Fires on Ctrl-C; passed down so the server cancels the running statement. */
  signal: AbortSignal;
  env: NodeJS.ProcessEnv;
}
