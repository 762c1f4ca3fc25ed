/**
 * What an N+1 loop does with each parent's child rows, when it is a shape the single query can reproduce exactly
 * (so the code edit keeps what the function returns), and otherwise why not. Deleting a loop whose effect is
 * something else (rows pushed into an array built before it, say) would silently change the code's result, so
 * only these shapes get an edit; every other loop gets the measurement and the query, not an edit:
 *
 *   row.K = children                                     → the single query's rows carry K: the loop goes
 *   target.push({ ...row, K: children })                 → `for (const row of X.rows) target.push(row);`
 *   map.set(row.col, children) / obj[row.col] = children → `for (const row of X.rows) map.set(row.col, row.K);`
 *   await Promise.all(X.rows.map(async (row) => ({ ...row, K: children })))  → `X.rows`
 *
 * "children" is the child rows as the driver gives them: `(await q).rows`, `r.rows` of `const r = await q`,
 * `rows` of `const { rows } = await q`, or the awaited value itself for calls that return the rows (sql``,
 * prisma `$queryRaw`, pg-promise `any`/`many`/`manyOrNone`).
 */
import ts from 'typescript';
import type { SourceRange } from '../../positions';

export type LoopEffect =
  | { kind: 'assign-to-row'; property: string }
  | { kind: 'push-spread'; target: string; property: string }
  | { kind: 'keyed'; target: string; keyText: string; via: 'map-set' | 'index' }
  | { kind: 'map-spread'; property: string; replace: SourceRange };

export type LoopEffectAnalysis = { effect: LoopEffect; reason?: undefined } | { effect?: undefined; reason: string };

export interface LoopContext {
  kind: 'for-of' | 'for' | 'forEach' | 'map' | 'promise-all-map';
  /** The loop statement, or the statement holding forEach / Promise.all. */
  statement: ts.Node;
  /** The loop's or callback's body. */
  body: ts.Node;
  /** The row variable (for-of, callbacks); for counting loops the row is `collection[index]`. */
  rowVariable: string;
  collection: ts.Expression;
  index?: string;
  /** The variable that holds the outer query's result, and its declaration. */
  outerVariable: string;
  outerDeclaration: ts.Node | undefined;
  /** The inner query call (a call or tagged template) and whether it returns the rows themselves. */
  innerCall: ts.Node;
  returnsRows: boolean;
}

function skipParens(node: ts.Node): ts.Node {
  let n = node;
  while (n.parent && ts.isParenthesizedExpression(n.parent)) n = n.parent;
  return n;
}

function unparen(node: ts.Expression): ts.Expression {
  let n = node;
  while (ts.isParenthesizedExpression(n)) n = n.expression;
  return n;
}

/** Identifiers named `name` in `scope` that are references (not property names or declarations). */
function referencesTo(name: string, scope: ts.Node): ts.Identifier[] {
  const out: ts.Identifier[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && node.text === name) {
      const p = node.parent;
      const isName =
        (ts.isPropertyAccessExpression(p) && p.name === node) ||
        (ts.isPropertyAssignment(p) && p.name === node) ||
        (ts.isVariableDeclaration(p) && p.name === node) ||
        (ts.isBindingElement(p) && (p.name === node || p.propertyName === node));
      if (!isName) out.push(node);
    }
    ts.forEachChild(node, visit);
  };
  visit(scope);
  return out;
}

/** Statements of a body: a block's statements, or a lone statement. */
function statementsOf(body: ts.Node): readonly ts.Node[] {
  return ts.isBlock(body) ? body.statements : [body];
}

/**
 * The one expression whose value is the child rows, and the declaration statement that stands before it (if any),
 * or why the loop's use of the result is not one the single query gives.
 */
function childrenUse(ctx: LoopContext): { use: ts.Expression; declaration?: ts.Node } | { reason: string } {
  const awaited = skipParens(ctx.innerCall).parent;
  if (!awaited || !ts.isAwaitExpression(awaited))
    return { reason: 'the loop does not await its query where it calls it' };
  const value = skipParens(awaited);
  const parent = value.parent;
  // `(await q).rows` inline, or `await sql\`…\`` which is the rows already.
  let use: ts.Expression | undefined;
  if (
    !ctx.returnsRows &&
    ts.isPropertyAccessExpression(parent) &&
    parent.expression === value &&
    parent.name.text === 'rows'
  )
    use = parent;
  else if (ctx.returnsRows) use = value as ts.Expression;
  if (use) {
    const holder = skipParens(use).parent;
    if (holder && ts.isVariableDeclaration(holder) && ts.isIdentifier(holder.name)) {
      const refs = referencesTo(holder.name.text, ctx.body);
      if (refs.length !== 1) return { reason: `the loop uses ${holder.name.text} more than once` };
      return { use: refs[0], declaration: holder.parent.parent };
    }
    return { use: skipParens(use) as ts.Expression };
  }
  if (ts.isVariableDeclaration(parent)) {
    const decl = parent;
    if (ts.isIdentifier(decl.name)) {
      const name = decl.name.text;
      const refs = referencesTo(name, ctx.body);
      const rows = refs.length === 1 ? refs[0].parent : undefined;
      if (!rows || !ts.isPropertyAccessExpression(rows) || rows.name.text !== 'rows') {
        return { reason: `the loop uses more of the query result ${name} than its rows` };
      }
      return { use: rows, declaration: decl.parent.parent };
    }
    if (ts.isObjectBindingPattern(decl.name) && decl.name.elements.length === 1) {
      const element = decl.name.elements[0];
      const property = element.propertyName ?? element.name;
      if (
        ts.isIdentifier(property) &&
        property.text === 'rows' &&
        ts.isIdentifier(element.name) &&
        !element.dotDotDotToken
      ) {
        const refs = referencesTo(element.name.text, ctx.body);
        if (refs.length !== 1) return { reason: `the loop uses ${element.name.text} more than once` };
        return { use: refs[0], declaration: decl.parent.parent };
      }
    }
    return { reason: 'the loop takes more of the query result than its rows' };
  }
  return {
    reason:
      'the loop stores the whole query result (rows, rowCount, fields…), not only its rows, and the single query gives only the rows',
  };
}

/** `row` (for-of, callbacks) or `rows[i]` (counting loops) as this loop writes it. */
function isRow(expr: ts.Expression, ctx: LoopContext): boolean {
  const e = unparen(expr);
  if (ctx.index === undefined) return ts.isIdentifier(e) && e.text === ctx.rowVariable;
  return (
    ts.isElementAccessExpression(e) &&
    e.expression.getText() === ctx.collection.getText() &&
    e.argumentExpression.getText() === ctx.index
  );
}

/** `{ ...row, K: use }` or `{ ...row, K }`: the property name, when the object is exactly that. */
function spreadWith(object: ts.Node | undefined, use: ts.Expression, ctx: LoopContext): string | undefined {
  if (!object || !ts.isObjectLiteralExpression(object) || object.properties.length !== 2) return undefined;
  const [spread, prop] = object.properties;
  if (!ts.isSpreadAssignment(spread) || !isRow(spread.expression, ctx)) return undefined;
  if (
    ts.isPropertyAssignment(prop) &&
    skipParens(use).parent === prop &&
    (ts.isIdentifier(prop.name) || ts.isStringLiteral(prop.name))
  )
    return prop.name.text;
  if (ts.isShorthandPropertyAssignment(prop) && use.parent === prop) return prop.name.text;
  return undefined;
}

/** The statement of the body that holds `node`. */
function bodyStatementOf(node: ts.Node, body: ts.Node): ts.Node | undefined {
  let n: ts.Node | undefined = node;
  while (n && n.parent !== body) n = n.parent;
  return n;
}

/** References to the outer variable outside the loop, before it (`before`) and anywhere (`outside`). */
function outerReferences(ctx: LoopContext): { before: number; outside: number } {
  const file = ctx.statement.getSourceFile();
  const declEnd = ctx.outerDeclaration?.getEnd() ?? 0;
  let before = 0;
  let outside = 0;
  for (const ref of referencesTo(ctx.outerVariable, file)) {
    const at = ref.getStart();
    if (at >= ctx.statement.getStart() && at < ctx.statement.getEnd()) continue;
    if (at < declEnd) continue;
    outside++;
    if (at < ctx.statement.getStart()) before++;
  }
  return { before, outside };
}

export function loopEffect(ctx: LoopContext): LoopEffectAnalysis {
  if (ctx.kind === 'forEach') {
    return {
      reason:
        'forEach does not wait for its async callback: the loop’s results land after the code after it has run, which one query cannot reproduce',
    };
  }
  if (ctx.kind === 'map') return { reason: 'the loop maps rows to promises without awaiting them together' };
  const found = childrenUse(ctx);
  if ('reason' in found) return { reason: found.reason };
  const { use, declaration } = found;
  const refs = outerReferences(ctx);
  const usedElsewhere = `${ctx.outerVariable} is also used outside the loop, where its rows would now carry the children`;

  if (ctx.kind === 'promise-all-map') {
    // The callback returns `{ ...row, K: children }`, from an expression body or a block of [declaration, return].
    const statements = statementsOf(ctx.body).filter((s) => s !== declaration);
    let returned: ts.Node | undefined;
    if (!ts.isBlock(ctx.body)) returned = unparen(ctx.body as ts.Expression);
    else if (statements.length === 1 && ts.isReturnStatement(statements[0]) && statements[0].expression)
      returned = unparen(statements[0].expression);
    const property = spreadWith(returned, use, ctx);
    if (!property) return { reason: 'the callback returns something other than the row spread with its children' };
    const all = ctx.collection.parent.parent.parent; // collection → .map → map(...) → Promise.all(...)
    const awaited = all ? skipParens(all).parent : undefined;
    if (!awaited || !ts.isAwaitExpression(awaited)) return { reason: 'Promise.all is not awaited where it is called' };
    if (refs.outside > 0) return { reason: usedElsewhere };
    return { effect: { kind: 'map-spread', property, replace: { start: awaited.getStart(), end: awaited.getEnd() } } };
  }

  // for…of / for (;;): the body is the declaration (if any) and one statement with the effect.
  const statements = statementsOf(ctx.body);
  const effectStatement = bodyStatementOf(use, ts.isBlock(ctx.body) ? ctx.body : ctx.statement);
  const others = statements.filter((s) => s !== declaration && s !== effectStatement);
  if (others.length > 0 || !effectStatement || !ts.isExpressionStatement(effectStatement)) {
    return { reason: 'the loop does more than store each parent’s children' };
  }
  const expr = unparen(effectStatement.expression);
  if (
    ts.isBinaryExpression(expr) &&
    expr.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
    skipParens(expr.right) === skipParens(use)
  ) {
    const left = expr.left;
    if (ts.isPropertyAccessExpression(left) && isRow(left.expression, ctx)) {
      if (refs.before > 0)
        return {
          reason: `${ctx.outerVariable} is used between its query and the loop, where its rows would already carry the children`,
        };
      return { effect: { kind: 'assign-to-row', property: left.name.text } };
    }
    if (
      ts.isElementAccessExpression(left) &&
      ts.isIdentifier(left.expression) &&
      ctx.kind === 'for-of' &&
      keyOfRow(left.argumentExpression, ctx)
    ) {
      if (refs.outside > 0) return { reason: usedElsewhere };
      return {
        effect: {
          kind: 'keyed',
          target: left.expression.text,
          keyText: left.argumentExpression.getText(),
          via: 'index',
        },
      };
    }
    return { reason: 'the loop stores the children somewhere other than on the row or under its key' };
  }
  if (
    ts.isCallExpression(expr) &&
    ts.isPropertyAccessExpression(expr.expression) &&
    ts.isIdentifier(expr.expression.expression) &&
    ctx.kind === 'for-of'
  ) {
    const method = expr.expression.name.text;
    const target = expr.expression.expression.text;
    if (method === 'push' && expr.arguments.length === 1) {
      const property = spreadWith(unparen(expr.arguments[0]), use, ctx);
      if (property) {
        if (refs.outside > 0) return { reason: usedElsewhere };
        return { effect: { kind: 'push-spread', target, property } };
      }
    }
    if (
      method === 'set' &&
      expr.arguments.length === 2 &&
      skipParens(use) === skipParens(expr.arguments[1]) &&
      keyOfRow(expr.arguments[0], ctx)
    ) {
      if (refs.outside > 0) return { reason: usedElsewhere };
      return { effect: { kind: 'keyed', target, keyText: expr.arguments[0].getText(), via: 'map-set' } };
    }
  }
  return { reason: 'the loop uses the children in a way the single query does not reproduce' };
}

/** `row.col` / `row['col']`: a key of the row itself (its value is the same on the single query's rows). */
function keyOfRow(expr: ts.Expression, ctx: LoopContext): boolean {
  const e = unparen(expr);
  if (ts.isPropertyAccessExpression(e)) return isRow(e.expression, ctx);
  if (ts.isElementAccessExpression(e)) return isRow(e.expression, ctx) && ts.isStringLiteral(e.argumentExpression);
  return false;
}
