/**
 * The EXPLAIN text for a statement and a server version. The user's statement follows the EXPLAIN
 * prefix unchanged, so a server error position maps back to the user's text by subtracting the prefix.
 */
import { parseSql } from '../sql/parser';
import { TunerError } from '../errors';

export interface ExplainOptions {
  analyze: boolean;
  /** server_version_num of the server that will run it. */
  versionNum: number;
  genericPlan?: boolean;
  /** Whether values for `$n` are given; GENERIC_PLAN is only for statements without them. */
  hasParamValues?: boolean;
}

export interface ExplainStatement {
  text: string;
  /** Characters before the user's statement in `text`. */
  prefixLength: number;
  /** The options in the parenthesis, e.g. ['ANALYZE', 'BUFFERS', …, 'FORMAT JSON']. */
  options: string[];
}

/** "15.4"-style text of a server_version_num, for messages. */
export function versionLabel(versionNum: number): string {
  const major = Math.floor(versionNum / 10000);
  return `${major}.${versionNum % 10000}`;
}

/** The option list for EXPLAIN on this version; throws TunerError('bad-input') for GENERIC_PLAN misuse. */
export function explainOptions(options: ExplainOptions): string[] {
  const v = options.versionNum;
  if (options.genericPlan) {
    if (v < 160000) {
      throw new TunerError(
        'bad-input',
        `EXPLAIN (GENERIC_PLAN) needs PostgreSQL 16 or later; this server is ${versionLabel(v)}. Give values for the $n parameters instead.`,
      );
    }
    if (options.hasParamValues) {
      throw new TunerError(
        'bad-input',
        'A generic plan is for a statement whose $n parameters have no values; drop the values or the generic plan.',
      );
    }
    if (options.analyze) {
      throw new TunerError(
        'bad-input',
        'A generic plan cannot be run with ANALYZE (its parameters have no values); explain it without ANALYZE.',
      );
    }
  }
  const out: string[] = [];
  if (options.analyze) out.push('ANALYZE', 'BUFFERS');
  out.push('VERBOSE');
  if (v >= 120000) out.push('SETTINGS');
  if (options.analyze && v >= 130000) out.push('WAL');
  // 17+: the time and bytes of turning the rows into what the client would receive (detoasting included),
  // which ANALYZE alone leaves out; and the planner's memory. 18 prints BUFFERS by default; asking is harmless.
  if (options.analyze && v >= 170000) out.push('SERIALIZE');
  if (v >= 170000) out.push('MEMORY');
  if (options.genericPlan) out.push('GENERIC_PLAN');
  out.push('FORMAT JSON');
  return out;
}

/**
 * The user's statement without a trailing semicolon or what follows it, so that nothing but the
 * statement follows the EXPLAIN prefix. Parses the text (TunerError 'syntax-error' on failure).
 */
export function statementBody(sql: string): string {
  const parsed = parseSql(sql) as unknown as { stmts?: Array<{ stmt_location?: number; stmt_len?: number }> };
  const first = parsed.stmts?.[0];
  if (!first || !first.stmt_len) return sql.replace(/[\s;]+$/, '');
  // libpg-query's locations are UTF-8 byte offsets.
  const endByte = (first.stmt_location ?? 0) + first.stmt_len;
  return Buffer.from(sql, 'utf8').subarray(0, endByte).toString('utf8');
}

export function buildExplainStatement(sql: string, options: ExplainOptions): ExplainStatement {
  const opts = explainOptions(options);
  const prefix = `EXPLAIN (${opts.join(', ')}) `;
  return { text: prefix + statementBody(sql), prefixLength: prefix.length, options: opts };
}
