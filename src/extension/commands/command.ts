import type { TunerContext } from '../context';

/** What each command file exports: given the shared context, the function VS Code calls. */
export type CommandFactory = (ctx: TunerContext) => (...args: unknown[]) => unknown;
