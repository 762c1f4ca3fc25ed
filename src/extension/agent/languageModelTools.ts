/**
 * The MCP server's tools as VS Code language-model tools, for agent mode: the same functions (agentTools.ts) on
 * the editor's selected connection. `explain` without SQL takes the statement under the cursor (or the
 * selection). Before anything runs with ANALYZE the editor asks (prepareInvocation's confirmation), showing the
 * statement and the connection; a statement that may write is never run, as on the MCP server without
 * --allow-analyze-writes. Indexes are built (rolled back) where the editor's own advice builds them: the
 * embedded database, or a connection marked neither production nor read-only.
 */
import * as vscode from 'vscode';
import { z } from 'zod';
import type { DatabaseSession } from '../../core/db/session';
import { TunerError } from '../../core/errors';
import { statementAt } from '../../core/sql/splitStatements';
import {
  adviseIndexesTool,
  analysePlanTool,
  comparePlansTool,
  explainTool,
  rewriteTool,
  type AgentToolContext,
  type ConnectionInfo,
  type SessionProvider,
  type ToolAnswer,
} from '../../cli/mcp/agentTools';
import type { TunerContext } from '../context';
import type { LanguageModelToolName } from './toolNames';

const param = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const schemas = {
  pgTuner_explain: z.object({
    sql: z.string().min(1).optional(),
    mode: z.enum(['estimate', 'analyze']).default('estimate'),
    params: z.array(param).optional(),
  }),
  pgTuner_analysePlan: z.object({ plan: z.string().min(1), sql: z.string().optional() }),
  pgTuner_comparePlans: z.object({ before: z.string().min(1), after: z.string().min(1) }),
  pgTuner_adviseIndexes: z.object({
    sql: z.string().min(1).optional(),
    workload: z.array(z.string().min(1)).min(1).max(20).optional(),
    params: z.array(param).optional(),
  }),
  pgTuner_rewrite: z.object({ sql: z.string().min(1).optional(), params: z.array(param).optional() }),
} satisfies Record<LanguageModelToolName, z.ZodType>;

/** The statement an agent means when it gives none: the selection, else the statement under the cursor of a SQL editor. */
function statementInEditor(): string {
  const editor = vscode.window.activeTextEditor;
  if (!editor)
    throw new TunerError(
      'bad-input',
      'No SQL was given and no editor is active: pass "sql" or open the statement in an editor.',
    );
  const selected = editor.document.getText(editor.selection);
  if (selected.trim() !== '') return selected;
  if (editor.document.languageId !== 'sql')
    throw new TunerError(
      'bad-input',
      'No SQL was given and the active editor is not a SQL file: pass "sql" or select the statement.',
    );
  const text = editor.document.getText();
  const found = statementAt(text, editor.document.offsetAt(editor.selection.active));
  if (!found || found.text.trim() === '') throw new TunerError('bad-input', 'There is no statement under the cursor.');
  return found.text;
}

/** The editor's selected connection, by its label; the agent never names or reaches another. */
function selectedConnection(
  tuner: TunerContext,
): SessionProvider & { info(): ConnectionInfo; measuredWhatIf(): boolean } {
  return {
    info: () => ({ name: tuner.connections.activeLabel, kind: tuner.connections.active.kind }),
    measuredWhatIf: () => {
      const active = tuner.connections.active;
      return active.kind === 'embedded' || !(active.setting.production === true || active.setting.readOnly === true);
    },
    async use<T>(
      _name: string | undefined,
      work: (session: DatabaseSession, connection: ConnectionInfo) => Promise<T>,
    ): Promise<T> {
      const session = await tuner.connections.getSession();
      return work(session, { name: tuner.connections.activeLabel, kind: tuner.connections.active.kind });
    },
  };
}

function toResult(answer: ToolAnswer): vscode.LanguageModelToolResult {
  return new vscode.LanguageModelToolResult([
    new vscode.LanguageModelTextPart(answer.summary),
    new vscode.LanguageModelTextPart(JSON.stringify(answer.structured)),
  ]);
}

function abortSignal(token: vscode.CancellationToken): AbortSignal {
  const controller = new AbortController();
  if (token.isCancellationRequested) controller.abort();
  else token.onCancellationRequested(() => controller.abort());
  return controller.signal;
}

export interface LanguageModelTools {
  prepare(name: LanguageModelToolName, input: unknown): vscode.PreparedToolInvocation;
  invoke(
    name: LanguageModelToolName,
    input: unknown,
    token: vscode.CancellationToken,
  ): Promise<vscode.LanguageModelToolResult>;
}

export function createLanguageModelTools(tuner: TunerContext): LanguageModelTools {
  const connection = selectedConnection(tuner);
  const context = (token: vscode.CancellationToken): AgentToolContext => ({
    // Only the selected connection: the tools that name connections (loops, top, health) are the MCP server's.
    connections: new Map(),
    allowAnalyzeWrites: false,
    allowWhatIf: connection.measuredWhatIf(),
    cwd: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? process.cwd(),
    signal: abortSignal(token),
  });
  return {
    prepare(name, input) {
      const where = connection.info().name;
      if (name !== 'pgTuner_explain') return { invocationMessage: `PostgreSQL Query Tuner on ${where}…` };
      const parsed = schemas.pgTuner_explain.safeParse(input);
      if (!parsed.success || parsed.data.mode !== 'analyze')
        return { invocationMessage: `Planning the statement on ${where} (EXPLAIN, nothing runs)…` };
      let sql: string;
      try {
        sql = parsed.data.sql ?? statementInEditor();
      } catch {
        return { invocationMessage: `Explaining on ${where}…` };
      }
      // EXPLAIN ANALYZE executes the statement: the user sees what and where before it runs.
      const message = new vscode.MarkdownString();
      message.appendMarkdown(
        `Run this statement with **EXPLAIN ANALYZE** on **${where}**? It executes in a read-only transaction that is rolled back; a statement that may write is refused.\n\n`,
      );
      message.appendCodeblock(sql.length > 2000 ? `${sql.slice(0, 2000)}…` : sql, 'sql');
      return {
        invocationMessage: `EXPLAIN ANALYZE on ${where}…`,
        confirmationMessages: { title: 'Run EXPLAIN ANALYZE?', message },
      };
    },
    async invoke(name, input, token) {
      const ctx = context(token);
      try {
        switch (name) {
          case 'pgTuner_explain': {
            const i = schemas.pgTuner_explain.parse(input);
            return toResult(
              await explainTool(connection, ctx, { sql: i.sql ?? statementInEditor(), mode: i.mode, params: i.params }),
            );
          }
          case 'pgTuner_analysePlan':
            return toResult(await analysePlanTool(schemas.pgTuner_analysePlan.parse(input)));
          case 'pgTuner_comparePlans':
            return toResult(comparePlansTool(schemas.pgTuner_comparePlans.parse(input)));
          case 'pgTuner_adviseIndexes': {
            const i = schemas.pgTuner_adviseIndexes.parse(input);
            return toResult(
              await adviseIndexesTool(connection, ctx, {
                sql: i.workload ? undefined : (i.sql ?? statementInEditor()),
                workload: i.workload,
                params: i.params,
              }),
            );
          }
          case 'pgTuner_rewrite': {
            const i = schemas.pgTuner_rewrite.parse(input);
            return toResult(
              await rewriteTool(connection, ctx, { sql: i.sql ?? statementInEditor(), params: i.params }),
            );
          }
        }
      } catch (err) {
        // The agent reads the refusal and may try otherwise (an estimate, another statement).
        const code = err instanceof TunerError && err.detail.code ? ` (${err.detail.code})` : '';
        const message =
          err instanceof z.ZodError
            ? `Invalid input: ${err.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`
            : err instanceof Error
              ? err.message
              : String(err);
        return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(`Refused${code}: ${message}`)]);
      }
    },
  };
}
