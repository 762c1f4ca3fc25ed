/**
 * N+1 loops over ORM calls: a Prisma, Drizzle, TypeORM, Sequelize or knex query inside a loop over rows, whose
 * where compares a child field with a column of the loop's row (ormCalls reads the call):
 *
 *   for (const user of users) user.orders = await prisma.order.findMany({ where: { userId: user.id } });
 *
 * Loops are the raw-SQL finder's (for…of, for await, for (;;), forEach, map, Promise.all(rows.map(…))). The fix
 * (ormBatchedForm) runs the ORM's batched form once before the loop and, in the loop, reads each parent's rows from
 * a Map: the loop itself stays, so everything it does with the rows stays too. It is offered only when nothing
 * else in the loop can tell the difference (loopAllowsBatch): the loop awaits each query and only stores what it
 * gets (on the row, pushed into an array, in a Map or object under a key, or returned from Promise.all's
 * callback); otherwise the loop is reported with why, and no edit.
 */
import ts from 'typescript';
import type { SourceRange } from '../../positions';
import { loopOf, type LoopShape } from './findNPlusOne';
import { importedOrms, ormCallOf, ormNames, type Orm, type OrmQueryCall } from './ormCalls';
import { ormTypes, type OrmTypes } from './ormTypes';
import { batchedEdits, type OrmEdit } from './ormBatchedForm';

export interface OrmNPlusOneFinding {
  orm: Orm;
  /** The ORM was told by the call's declaration (a program resolved the ORM's types), or by its shape alone. */
  recognisedBy: 'types' | 'syntax';
  /** `findMany`, `findOneBy`, `select`, `where`, `first`… as the code calls it. */
  method: string;
  /** The model or table as written (`prisma.order`, `Order`, `orders`). */
  target: string;
  keyField: string;
  /** The loop row's column the query takes (`user.id`). */
  keyText: string;
  returns: OrmQueryCall['returns'];
  /** The query call (without await): what the editor underlines. */
  range: SourceRange;
  loopRange: SourceRange;
  loopKind: LoopShape['kind'];
  /** The loop's row variable (`user`), or `rows[i]` for counting loops. */
  rowVariable: string;
  /** What the loop goes over (`users`). */
  collection: string;
  /** 1-based line of the call. */
  line: number;
}

export interface OrmNPlusOneAdvice {
  id: 'n-plus-one-orm-batch';
  finding: OrmNPlusOneFinding;
  title: string;
  explanation: string;
  /** The batched query before the loop, the Map lookup in place of the call, and the import it needs; one undo step. */
  edits: OrmEdit[];
  /** The ORM's batched call as the edit writes it (also when there is no edit, for the reader to adapt). */
  batchedCall?: string;
  noEditReason?: string;
  roundTrips: { before: string; after: number };
  caveats: string[];
}

/** `row.a` / `row['a']` / `row.a.b`: a column of the loop's row, nothing computed. */
function isRowColumn(expr: ts.Expression, loop: LoopShape, file: ts.SourceFile): boolean {
  let e: ts.Expression = expr;
  while (ts.isParenthesizedExpression(e) || ts.isNonNullExpression(e)) e = e.expression;
  if (
    !ts.isPropertyAccessExpression(e) &&
    !(ts.isElementAccessExpression(e) && ts.isStringLiteral(e.argumentExpression))
  )
    return false;
  let root: ts.Expression = e;
  while (ts.isPropertyAccessExpression(root) || ts.isElementAccessExpression(root)) {
    if (ts.isElementAccessExpression(root) && loop.index !== undefined) {
      if (
        root.expression.getText(file) === loop.collection.getText(file) &&
        root.argumentExpression.getText(file) === loop.index
      )
        return true;
      if (!ts.isStringLiteral(root.argumentExpression)) return false;
    }
    root = root.expression;
  }
  return loop.index === undefined && ts.isIdentifier(root) && root.text === loop.rowVariable;
}

interface Found {
  loop: LoopShape;
  call: OrmQueryCall;
}

function findCalls(file: ts.SourceFile, types: OrmTypes | undefined): Found[] {
  const imports = importedOrms(file);
  const found = new Map<number, Found>();
  const visit = (node: ts.Node): void => {
    const loop = loopOf(node);
    if (loop) {
      const isKey = (e: ts.Expression): boolean => isRowColumn(e, loop, file);
      const inner = (n: ts.Node): void => {
        const call = ormCallOf(n, { file, isKey, imports, typedOrm: types?.ormOf });
        if (call && !found.has(call.node.getStart(file))) found.set(call.node.getStart(file), { loop, call });
        ts.forEachChild(n, inner);
      };
      inner(loop.body);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return [...found.values()].sort((a, b) => a.call.node.getStart(file) - b.call.node.getStart(file));
}

function scriptKind(fileName: string): ts.ScriptKind {
  return /\.[cm]?jsx?$/.test(fileName)
    ? ts.ScriptKind.JS
    : fileName.endsWith('x')
      ? ts.ScriptKind.TSX
      : ts.ScriptKind.TS;
}

export interface FindOrmOptions {
  /** false: the call's shape and the file's imports only, no program (faster; no types). */
  types?: boolean;
}

/** The ORM N+1 loops of a file, each with its fix when one keeps what the loop does. */
export function adviseOrmNPlusOne(
  text: string,
  fileName = 'file.ts',
  options: FindOrmOptions = {},
): OrmNPlusOneAdvice[] {
  const syntactic = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, scriptKind(fileName));
  let file = syntactic;
  let found = findCalls(syntactic, undefined);
  if (found.length === 0) return [];
  // Types only when a call may be an ORM's: they confirm it (or not) and tell arrays from other iterables.
  const types = options.types === false ? undefined : ormTypes(fileName, text);
  if (types) {
    file = types.file;
    found = findCalls(file, types);
  }
  const isJs = scriptKind(fileName) === ts.ScriptKind.JS;
  return found.map(({ loop, call }) => {
    const typed = types?.ormOf(call.node as ts.CallExpression);
    const finding: OrmNPlusOneFinding = {
      orm: call.orm,
      recognisedBy: typed === call.orm ? 'types' : 'syntax',
      method: call.method,
      target: call.target,
      keyField: call.keyField,
      keyText: call.key.getText(file),
      returns: call.returns,
      range: { start: call.node.getStart(file), end: call.node.getEnd() },
      loopRange: { start: loop.statement.getStart(file), end: loop.statement.getEnd() },
      loopKind: loop.kind,
      rowVariable: loop.rowVariable || `${loop.collection.getText(file)}[${loop.index}]`,
      collection: loop.collection.getText(file),
      line: file.getLineAndCharacterOfPosition(call.node.getStart(file)).line + 1,
    };
    const result = batchedEdits({ file, text, loop, call, types, isJs });
    const one = call.returns !== 'many';
    const advice: OrmNPlusOneAdvice = {
      id: 'n-plus-one-orm-batch',
      finding,
      title: `N+1 queries: ${ormNames[call.orm]} ${call.method} on ${finding.target.replace(/^['"`]|['"`]$/g, '')} once per ${finding.rowVariable} → one batched query (${batchedWord(call.orm)})`,
      explanation:
        `The ${ormNames[call.orm]} query at line ${finding.line} runs inside the loop over ${finding.collection}, once per row, so the code pays a round trip (and a plan and an execution) for each. ` +
        `Its batched form takes every ${finding.keyText} at once (${batchedWord(call.orm)}) and the rows are grouped by ${call.keyField} in a Map, ` +
        `${one ? 'each parent getting its first row or ' + (call.returns === 'one-or-null' ? 'null' : 'undefined') : 'each parent getting its rows in the query’s order, [] for none'}.`,
      edits: 'edits' in result ? result.edits : [],
      batchedCall: result.batchedCall,
      roundTrips: { before: 'N', after: 1 },
      caveats: [
        `A parent whose ${finding.keyText} is null or undefined: the loop's query compared ${call.keyField} with it; the batched query leaves it out and the parent gets ${one ? (call.returns === 'one-or-null' ? 'null' : 'undefined') : '[]'}.`,
      ],
    };
    if (!call.ordered)
      advice.caveats.push(
        one
          ? `Without an order, the row each parent gets is the database's pick in both forms (unless ${call.keyField} is unique), and the two picks may differ.`
          : `Without an order, each parent's rows come in the database's order in both forms, which need not be the same; order the query if the order matters.`,
      );
    if ('reason' in result) advice.noEditReason = `No code change: ${result.reason}.`;
    return advice;
  });
}

function batchedWord(orm: Orm): string {
  return {
    prisma: '`{ in: ids }`',
    drizzle: '`inArray(column, ids)`',
    typeorm: '`In(ids)`',
    sequelize: '`{ [Op.in]: ids }`',
    knex: '`whereIn(column, ids)`',
  }[orm];
}
