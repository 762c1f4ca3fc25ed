/** How the db layer runs one statement: the contract the sessions implement and the explain path uses. */
export type Row = Record<string, unknown>;

/**
 * How a text is sent. 'extended' (the default) is the extended protocol: the server refuses a text holding more
 * than one statement, whatever our own parser made of it, so nothing that carries user text can smuggle a
 * second statement (a `COMMIT; DELETE …` hidden from us by standard_conforming_strings = off). 'script' is the
 * simple protocol for fixed texts of our own with several statements and no user text (BEGIN; SET LOCAL …).
 * 'single-simple' is the simple protocol for one user statement that the extended protocol cannot send (an
 * EXPLAIN (GENERIC_PLAN) with unvalued $n: Bind would need values, and values would be folded into the plan);
 * the caller must first prove the server lexes it as we do, and a reply with several results is an error.
 */
export type SendMode = 'extended' | 'script' | 'single-simple';

export interface RunOptions {
  jsonAsText?: boolean;
  mode?: SendMode;
  /**
   * A fixed catalog query of our own run before every explain: a server session prepares it once per connection
   * under this name (parsed once); the embedded session keeps its answers until its catalog next changes.
   */
  preparedName?: string;
}

/** Runs one statement on the session's connection and returns its rows; errors are the driver's own. */
export interface StatementRunner {
  run(sql: string, params?: unknown[], options?: RunOptions): Promise<Row[]>;
}
