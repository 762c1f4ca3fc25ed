/**
 * Finds N+1 query loops in TypeScript/JavaScript with the TypeScript compiler API (no regexes): a query call
 * inside a loop over the rows of an earlier query, whose parameter is a column of the loop's row:
 *
 *   const programs = await pool.query(`SELECT * FROM programs WHERE status = 'active'`);
 *   for (const program of programs.rows) {
 *     program.tasks = await pool.query(`SELECT * FROM tasks WHERE program_id = $1`, [program.id]);
 *   }
 *
 * Loops: for…of (also `for await`), for (;;) over `rows[i]`, `.forEach`/`.map` with an async callback,
 * `Promise.all(rows.map(…))`. Calls: `x.query(sql, [..])` (also `x.query<Row>(…)`), `x.query({ text, values })`,
 * knex `x.raw(sql, [..])`, prisma `x.$queryRawUnsafe(sql, ..)`, and tagged templates `sql\`…${row.id}…\`` /
 * `prisma.$queryRaw\`…\``. What the loop does with the child rows is read by loopEffect: only the shapes it
 * recognises get a code edit.
 */
import ts from 'typescript';
import type { SourceRange } from '../../positions';
import { loopEffect, type LoopEffect } from './loopEffect';

export interface QueryCallSite {
  /** SQL with `$n` placeholders (template substitutions become `$1`, `$2` …). */
  sql: string;
  /** The call expression's range in the file. */
  range: SourceRange;
  /** Range of the SQL argument (string, template or the `text:` value). */
  sqlRange: SourceRange;
  /** The call's receiver text (`pool`, `client`, `db`, `knex`, `prisma`) or tag text (`sql`). */
  receiver: string;
  style: 'call' | 'config-object' | 'tagged-template';
}

export interface NPlusOneFinding {
  outer: QueryCallSite;
  /** The variable that holds the outer result (`programs`). */
  outerVariable: string;
  /** Whether the loop goes over `outer.rows` (node-postgres) or the value itself (an array of rows). */
  rowsProperty: boolean;
  inner: QueryCallSite;
  /** The loop statement (or the expression statement of forEach / Promise.all) — what the code edit replaces. */
  loopRange: SourceRange;
  loopKind: 'for-of' | 'for' | 'forEach' | 'map' | 'promise-all-map';
  /** The loop's row variable (`program`). */
  rowVariable: string;
  /** The inner query's parameter number that carries the outer row's column, and that column. */
  keyParam: number;
  keyColumn: string;
  /** Where the loop stores the inner result on the row (`tasks` in `program.tasks = …`), when it does. */
  assignedProperty?: string;
  /** Whether the stored value is `.rows` of the result (else the whole result object, as in the case). */
  assignsRows: boolean;
  /** What the loop does with the children, when the single query can reproduce it exactly (then a code edit). */
  effect?: LoopEffect;
  /** Why no code edit is offered, when `effect` is absent. */
  noEditReason?: string;
  /** 1-based line of the inner call, for messages. */
  line: number;
}

const queryMethods = new Set(['query', 'raw', '$queryraw', '$queryrawunsafe', 'any', 'many', 'manyornone']);
/** Calls whose awaited value is the rows themselves (not a result object with `.rows`). */
const rowsMethods = new Set(['$queryraw', '$queryrawunsafe', 'any', 'many', 'manyornone']);

function unwrapAwait(node: ts.Expression): ts.Expression {
  let n: ts.Expression = node;
  while (ts.isAwaitExpression(n) || ts.isParenthesizedExpression(n)) n = n.expression;
  return n;
}

function range(node: ts.Node, file: ts.SourceFile): SourceRange {
  return { start: node.getStart(file), end: node.getEnd() };
}

function stringValue(node: ts.Expression | undefined): string | undefined {
  if (!node) return undefined;
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  return undefined;
}

/** A template literal's SQL with its substitutions as `$1…`, and the substituted expressions. */
function templateSql(template: ts.TemplateLiteral): { sql: string; args: ts.Expression[] } {
  if (ts.isNoSubstitutionTemplateLiteral(template)) return { sql: template.text, args: [] };
  let sql = template.head.text;
  const args: ts.Expression[] = [];
  template.templateSpans.forEach((span, i) => {
    args.push(span.expression);
    sql += `$${i + 1}${span.literal.text}`;
  });
  return { sql, args };
}

interface QueryCall {
  site: QueryCallSite;
  params: ts.Expression[];
  /** The awaited value is the rows (sql``, prisma, pg-promise), not a result with `.rows`. */
  returnsRows: boolean;
}

/** The query call an expression is (after await), with its parameter expressions. */
export function queryCallOf(expression: ts.Expression, file: ts.SourceFile): QueryCall | undefined {
  const e = unwrapAwait(expression);
  if (ts.isTaggedTemplateExpression(e)) {
    const tag = e.tag.getText(file);
    const last = tag.split('.').pop()?.toLowerCase() ?? '';
    if (last !== 'sql' && last !== '$queryraw') return undefined;
    const { sql, args } = templateSql(e.template);
    return {
      site: { sql, range: range(e, file), sqlRange: range(e.template, file), receiver: tag, style: 'tagged-template' },
      params: args,
      returnsRows: true,
    };
  }
  if (!ts.isCallExpression(e) || !ts.isPropertyAccessExpression(e.expression)) return undefined;
  const method = e.expression.name.text.toLowerCase();
  if (!queryMethods.has(method)) return undefined;
  const receiver = e.expression.expression.getText(file);
  const [first, second, ...rest] = e.arguments;
  if (first && ts.isObjectLiteralExpression(first)) {
    let sql: string | undefined;
    let sqlNode: ts.Node | undefined;
    let values: ts.Expression[] = [];
    for (const p of first.properties) {
      if (!ts.isPropertyAssignment(p) || !ts.isIdentifier(p.name)) continue;
      if (p.name.text === 'text') {
        sql = stringValue(p.initializer);
        sqlNode = p.initializer;
      }
      if (p.name.text === 'values' && ts.isArrayLiteralExpression(p.initializer)) values = [...p.initializer.elements];
    }
    if (sql === undefined || !sqlNode) return undefined;
    return {
      site: { sql, range: range(e, file), sqlRange: range(sqlNode, file), receiver, style: 'config-object' },
      params: values,
      returnsRows: rowsMethods.has(method),
    };
  }
  const sql = stringValue(first);
  if (sql === undefined || !first) return undefined;
  let params: ts.Expression[] = [];
  if (second && ts.isArrayLiteralExpression(second)) params = [...second.elements];
  else if (second) params = [second, ...rest]; // prisma $queryRawUnsafe(sql, a, b)
  return {
    site: { sql, range: range(e, file), sqlRange: range(first, file), receiver, style: 'call' },
    params,
    returnsRows: rowsMethods.has(method),
  };
}

/** `program.id` or `program['id']` on the row variable → 'id'. */
function rowColumn(expr: ts.Expression, rowVariable: string): string | undefined {
  if (ts.isPropertyAccessExpression(expr) && ts.isIdentifier(expr.expression) && expr.expression.text === rowVariable)
    return expr.name.text;
  if (
    ts.isElementAccessExpression(expr) &&
    ts.isIdentifier(expr.expression) &&
    expr.expression.text === rowVariable &&
    ts.isStringLiteral(expr.argumentExpression)
  ) {
    return expr.argumentExpression.text;
  }
  return undefined;
}

/** `rows[i].id` in a counting loop → 'id'. */
function indexedRowColumn(expr: ts.Expression, collection: string, index: string): string | undefined {
  if (!ts.isPropertyAccessExpression(expr)) return undefined;
  const target = expr.expression;
  if (
    ts.isElementAccessExpression(target) &&
    target.expression.getText() === collection &&
    target.argumentExpression.getText() === index
  )
    return expr.name.text;
  return undefined;
}

export interface LoopShape {
  kind: NPlusOneFinding['loopKind'];
  /** What is iterated (`programs.rows`). */
  collection: ts.Expression;
  rowVariable: string;
  body: ts.Node;
  statement: ts.Node;
  /** For counting loops: the index variable. */
  index?: string;
}

function callbackOf(arg: ts.Expression | undefined): { param: string; body: ts.Node } | undefined {
  if (!arg || !(ts.isArrowFunction(arg) || ts.isFunctionExpression(arg))) return undefined;
  const p = arg.parameters[0];
  if (!p || !ts.isIdentifier(p.name)) return undefined;
  return { param: p.name.text, body: arg.body };
}

function enclosingStatement(node: ts.Node): ts.Node {
  let n: ts.Node = node;
  while (n.parent && !ts.isExpressionStatement(n) && !ts.isVariableStatement(n) && !ts.isReturnStatement(n))
    n = n.parent;
  return n;
}

export function loopOf(node: ts.Node): LoopShape | undefined {
  if (ts.isForOfStatement(node)) {
    const decl = ts.isVariableDeclarationList(node.initializer) ? node.initializer.declarations[0] : undefined;
    if (!decl || !ts.isIdentifier(decl.name)) return undefined;
    return {
      kind: 'for-of',
      collection: node.expression,
      rowVariable: decl.name.text,
      body: node.statement,
      statement: node,
    };
  }
  if (
    ts.isForStatement(node) &&
    node.initializer &&
    ts.isVariableDeclarationList(node.initializer) &&
    node.condition &&
    ts.isBinaryExpression(node.condition)
  ) {
    const index = node.initializer.declarations[0]?.name;
    const bound = node.condition.right;
    if (!index || !ts.isIdentifier(index) || !ts.isPropertyAccessExpression(bound) || bound.name.text !== 'length')
      return undefined;
    return {
      kind: 'for',
      collection: bound.expression,
      rowVariable: '',
      index: index.text,
      body: node.statement,
      statement: node,
    };
  }
  if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
    const method = node.expression.name.text;
    if (method !== 'forEach' && method !== 'map') return undefined;
    const cb = callbackOf(node.arguments[0]);
    if (!cb) return undefined;
    const parent = node.parent;
    const inPromiseAll =
      method === 'map' &&
      ts.isCallExpression(parent) &&
      ts.isPropertyAccessExpression(parent.expression) &&
      parent.expression.getText() === 'Promise.all';
    return {
      kind: inPromiseAll ? 'promise-all-map' : method,
      collection: node.expression.expression,
      rowVariable: cb.param,
      body: cb.body,
      statement: enclosingStatement(node),
    };
  }
  return undefined;
}

/** `programs.rows` / `programs` → the variable, when it was assigned from a query call in the same file. */
function outerQueryOf(
  collection: ts.Expression,
  queries: Map<string, OuterQuery>,
): { variable: string; rowsProperty: boolean; call: OuterQuery } | undefined {
  let variable: string | undefined;
  let rowsProperty = false;
  if (
    ts.isPropertyAccessExpression(collection) &&
    collection.name.text === 'rows' &&
    ts.isIdentifier(collection.expression)
  ) {
    variable = collection.expression.text;
    rowsProperty = true;
  } else if (ts.isIdentifier(collection)) variable = collection.text;
  const call = variable ? queries.get(variable) : undefined;
  return variable && call ? { variable, rowsProperty, call } : undefined;
}

interface OuterQuery extends QueryCall {
  /** The statement that declares the variable. */
  declaration: ts.Node;
}

export function findNPlusOne(text: string, fileName = 'file.ts'): NPlusOneFinding[] {
  const kind = /\.[cm]?jsx?$/.test(fileName)
    ? ts.ScriptKind.JS
    : fileName.endsWith('x')
      ? ts.ScriptKind.TSX
      : ts.ScriptKind.TS;
  const file = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, kind);
  // Variables assigned from a query call: `const programs = await pool.query(…)`, also `const { rows } = …`.
  const queries = new Map<string, OuterQuery>();
  const findings: NPlusOneFinding[] = [];

  const innerCalls = (loop: LoopShape): void => {
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) || ts.isTaggedTemplateExpression(node)) {
        const call = queryCallOf(node, file);
        if (call) {
          const outer = outerQueryOf(loop.collection, queries);
          const keyIndex = call.params.findIndex((p) =>
            loop.index !== undefined
              ? indexedRowColumn(p, loop.collection.getText(file), loop.index)
              : rowColumn(p, loop.rowVariable),
          );
          if (outer && keyIndex >= 0) {
            const param = call.params[keyIndex];
            const keyColumn = (
              loop.index !== undefined
                ? indexedRowColumn(param, loop.collection.getText(file), loop.index)
                : rowColumn(param, loop.rowVariable)
            ) as string;
            // Where the result goes: `row.tasks = await …` (possibly `(await …).rows`).
            let assignedProperty: string | undefined;
            let assignsRows = false;
            let up: ts.Node = node;
            while (up.parent && (ts.isAwaitExpression(up.parent) || ts.isParenthesizedExpression(up.parent)))
              up = up.parent;
            if (ts.isPropertyAccessExpression(up.parent) && up.parent.name.text === 'rows') {
              assignsRows = true;
              up = up.parent;
            }
            const assign = up.parent;
            if (
              assign &&
              ts.isBinaryExpression(assign) &&
              assign.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
              assign.right === up
            ) {
              const left = assign.left;
              if (ts.isPropertyAccessExpression(left)) assignedProperty = left.name.text;
            }
            const analysis = loopEffect({
              kind: loop.kind,
              statement: loop.statement,
              body: loop.body,
              rowVariable: loop.rowVariable,
              collection: loop.collection,
              index: loop.index,
              outerVariable: outer.variable,
              outerDeclaration: outer.call.declaration,
              innerCall: node,
              returnsRows: call.returnsRows,
            });
            findings.push({
              outer: outer.call.site,
              outerVariable: outer.variable,
              rowsProperty: outer.rowsProperty,
              inner: call.site,
              loopRange: range(loop.statement, file),
              loopKind: loop.kind,
              rowVariable: loop.rowVariable || `${loop.collection.getText(file)}[${loop.index}]`,
              keyParam: keyIndex + 1,
              keyColumn,
              assignedProperty,
              assignsRows,
              effect: analysis.effect,
              noEditReason: analysis.reason,
              line: file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1,
            });
            return;
          }
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(loop.body);
  };

  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && node.initializer) {
      const call = queryCallOf(node.initializer, file);
      if (call && ts.isIdentifier(node.name)) queries.set(node.name.text, { ...call, declaration: node.parent.parent });
    }
    const loop = loopOf(node);
    if (loop) innerCalls(loop);
    ts.forEachChild(node, visit);
  };
  visit(file);
  return findings;
}
