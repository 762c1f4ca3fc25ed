/**
 * The fix of an ORM N+1 loop: the ORM's batched query once before the loop, its rows grouped by the key in a Map,
 * and in the loop the Map's entry in place of the query:
 *
 *   const orderRows = await prisma.order.findMany({ where: { userId: { in: users.map((user) => user.id) } } });
 *   const orderByUserId = new Map<unknown, typeof orderRows>();
 *   for (const row of orderRows) { … orderByUserId.set(row.userId, [...]) … }
 *   for (const user of users) user.orders = orderByUserId.get(user.id) ?? [];
 *
 * Each parent gets its rows in the query's order (the batched query keeps its orderBy), [] when it has none, and a
 * findFirst/findOne/findUnique/first() parent its first row or null (undefined for knex and Drizzle's findFirst).
 * The loop stays as written, so whatever it does with the rows is unchanged; the edit is offered only when the loop
 * does nothing else the hoisted query could change (loopAllowsBatch): it awaits the query and stores its value.
 */
import ts from 'typescript';
import type { SourceRange } from '../../positions';
import type { LoopShape } from './findNPlusOne';
import type { CallPatch, OrmQueryCall } from './ormCalls';
import type { OrmTypes } from './ormTypes';

export interface OrmEdit {
  range: SourceRange;
  newText: string;
}

export interface BatchInput {
  file: ts.SourceFile;
  text: string;
  loop: LoopShape;
  call: OrmQueryCall;
  types: OrmTypes | undefined;
  isJs: boolean;
}

export type BatchResult = { edits: OrmEdit[]; batchedCall: string } | { reason: string; batchedCall?: string };

const functionLike = (n: ts.Node): n is ts.FunctionLikeDeclaration =>
  ts.isArrowFunction(n) ||
  ts.isFunctionExpression(n) ||
  ts.isFunctionDeclaration(n) ||
  ts.isMethodDeclaration(n) ||
  ts.isGetAccessorDeclaration(n) ||
  ts.isSetAccessorDeclaration(n) ||
  ts.isConstructorDeclaration(n);

function unparen(node: ts.Expression): ts.Expression {
  let n = node;
  while (ts.isParenthesizedExpression(n)) n = n.expression;
  return n;
}

function skipParensUp(node: ts.Node): ts.Node {
  let n = node;
  while (n.parent && ts.isParenthesizedExpression(n.parent)) n = n.parent;
  return n;
}

/**
 * Whether evaluating `expr` can do nothing but read (no call, no await, no assignment, no new), with `leaf` — the
 * awaited query, which the fix turns into a Map read — counted as a read.
 */
function readsOnly(expr: ts.Node, leaf: ts.Node): boolean {
  if (expr === leaf) return true;
  if (
    ts.isIdentifier(expr) ||
    ts.isLiteralExpression(expr) ||
    ts.isNoSubstitutionTemplateLiteral(expr) ||
    expr.kind === ts.SyntaxKind.TrueKeyword ||
    expr.kind === ts.SyntaxKind.FalseKeyword ||
    expr.kind === ts.SyntaxKind.NullKeyword ||
    expr.kind === ts.SyntaxKind.ThisKeyword
  )
    return true;
  if (
    ts.isParenthesizedExpression(expr) ||
    ts.isNonNullExpression(expr) ||
    ts.isAsExpression(expr) ||
    ts.isSatisfiesExpression(expr)
  )
    return readsOnly(expr.expression, leaf);
  if (ts.isPropertyAccessExpression(expr)) return readsOnly(expr.expression, leaf);
  if (ts.isElementAccessExpression(expr))
    return readsOnly(expr.expression, leaf) && readsOnly(expr.argumentExpression, leaf);
  if (ts.isObjectLiteralExpression(expr))
    return expr.properties.every(
      (p) =>
        (ts.isPropertyAssignment(p) && !ts.isComputedPropertyName(p.name) && readsOnly(p.initializer, leaf)) ||
        ts.isShorthandPropertyAssignment(p) ||
        (ts.isSpreadAssignment(p) && readsOnly(p.expression, leaf)),
    );
  if (ts.isArrayLiteralExpression(expr))
    return expr.elements.every((e) => (ts.isSpreadElement(e) ? readsOnly(e.expression, leaf) : readsOnly(e, leaf)));
  if (ts.isTemplateExpression(expr)) return expr.templateSpans.every((s) => readsOnly(s.expression, leaf));
  if (ts.isConditionalExpression(expr))
    return readsOnly(expr.condition, leaf) && readsOnly(expr.whenTrue, leaf) && readsOnly(expr.whenFalse, leaf);
  if (ts.isPrefixUnaryExpression(expr))
    return (
      expr.operator !== ts.SyntaxKind.PlusPlusToken &&
      expr.operator !== ts.SyntaxKind.MinusMinusToken &&
      readsOnly(expr.operand, leaf)
    );
  if (ts.isTypeOfExpression(expr)) return readsOnly(expr.expression, leaf);
  if (ts.isBinaryExpression(expr)) {
    const op = expr.operatorToken.kind;
    if (op >= ts.SyntaxKind.FirstAssignment && op <= ts.SyntaxKind.LastAssignment) return false;
    return readsOnly(expr.left, leaf) && readsOnly(expr.right, leaf);
  }
  return false;
}

/** Identifiers referenced (not property names) in `node`, skipping the subtree `skip`. */
function referencedNames(node: ts.Node, skip?: ts.Node): Set<string> {
  const out = new Set<string>();
  const visit = (n: ts.Node): void => {
    if (n === skip) return;
    if (ts.isIdentifier(n)) {
      const p = n.parent;
      const isName =
        (ts.isPropertyAccessExpression(p) && p.name === n) ||
        (ts.isPropertyAssignment(p) && p.name === n) ||
        (ts.isBindingElement(p) && p.propertyName === n);
      if (!isName) out.add(n.text);
    }
    ts.forEachChild(n, visit);
  };
  visit(node);
  return out;
}

/** Names a node declares (variables, parameters, functions), anywhere inside it. */
function declaredNames(node: ts.Node): Set<string> {
  const out = new Set<string>();
  const bind = (name: ts.BindingName): void => {
    if (ts.isIdentifier(name)) out.add(name.text);
    else for (const e of name.elements) if (!ts.isOmittedExpression(e)) bind(e.name);
  };
  const visit = (n: ts.Node): void => {
    if (ts.isVariableDeclaration(n) || ts.isParameter(n)) bind(n.name);
    if ((ts.isFunctionDeclaration(n) || ts.isClassDeclaration(n)) && n.name) out.add(n.name.text);
    ts.forEachChild(n, visit);
  };
  visit(node);
  return out;
}

interface BodyCheck {
  /** The awaited query (or, returned from a map callback, the call itself): what the Map read replaces. */
  use: ts.Expression;
  /** Roots of what the loop writes (`result` of result.push, `byId` of byId.set): the query must not read them. */
  targets: Set<string>;
}

/**
 * The loop's rule: a fix only for a loop whose every effect it reproduces. The query must be awaited where it is
 * called (or returned from Promise.all's callback), and every statement must only read and then store: a
 * declaration, `row.K = …`, `target.push(…)`, `target.set(key, …)`, `target[key] = …`, an if of those, continue,
 * and in a callback its return. Anything else (another call, a write to the database, an await of something else,
 * a return out of a for…of) could see that the query now runs once, before the loop.
 */
function loopAllowsBatch(loop: LoopShape, call: ts.Expression, rowCollection: string): BodyCheck | { reason: string } {
  if (loop.kind === 'forEach')
    return {
      reason:
        'forEach does not wait for its async callback: what it stores lands after the code after it has run, which the batched form would change',
    };
  if (loop.kind === 'map')
    return { reason: 'the loop maps rows to promises without awaiting them together (Promise.all)' };
  if (loop.kind === 'for')
    return {
      reason: 'the fix is written for for…of and Promise.all(rows.map(…)) loops; this counting loop is reported only',
    };
  const outer = skipParensUp(call);
  const awaited = outer.parent && ts.isAwaitExpression(outer.parent) ? outer.parent : undefined;
  let use: ts.Expression;
  const isCallback = loop.kind === 'promise-all-map';
  if (awaited) use = awaited;
  else if (
    isCallback &&
    ((outer.parent === loop.body.parent && (outer as ts.Node) === loop.body) ||
      (ts.isReturnStatement(outer.parent) && outer.parent.parent === loop.body))
  )
    use = call;
  else return { reason: 'the loop does not await its query where it calls it' };
  const targets = new Set<string>();
  const row = loop.rowVariable;
  const isRow = (e: ts.Expression): boolean =>
    ts.isIdentifier(unparen(e)) && (unparen(e) as ts.Identifier).text === row;
  const rootOf = (e: ts.Expression): string | undefined => {
    let n = unparen(e);
    while (ts.isPropertyAccessExpression(n) || ts.isElementAccessExpression(n)) n = unparen(n.expression);
    return ts.isIdentifier(n) ? n.text : n.kind === ts.SyntaxKind.ThisKeyword ? 'this' : undefined;
  };
  let why: string | undefined;
  const statement = (s: ts.Statement): boolean => {
    if (ts.isBlock(s)) return s.statements.every(statement);
    if (ts.isEmptyStatement(s)) return true;
    if (ts.isContinueStatement(s) && !isCallback) return true;
    if (ts.isVariableStatement(s))
      return s.declarationList.declarations.every((d) => d.initializer === undefined || readsOnly(d.initializer, use));
    if (ts.isIfStatement(s))
      return (
        readsOnly(s.expression, use) && statement(s.thenStatement) && (!s.elseStatement || statement(s.elseStatement))
      );
    if (ts.isReturnStatement(s) && isCallback) return !s.expression || readsOnly(s.expression, use);
    if (ts.isExpressionStatement(s)) {
      const e = unparen(s.expression);
      if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
        const left = unparen(e.left);
        if (!readsOnly(e.right, use)) return false;
        // row.K = …  (the row itself), or target[key] = … (an object keyed by the row).
        if (ts.isPropertyAccessExpression(left) && isRow(left.expression)) return true;
        if (ts.isElementAccessExpression(left) && isRow(left.expression) && ts.isStringLiteral(left.argumentExpression))
          return true;
        if (ts.isElementAccessExpression(left) && readsOnly(left.argumentExpression, use)) {
          const root = rootOf(left.expression);
          if (root && root !== row && root !== rowCollection) {
            targets.add(root);
            return readsOnly(left.expression, use);
          }
        }
        why = 'the loop assigns to something other than the row or an object keyed by it';
        return false;
      }
      if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression)) {
        const method = e.expression.name.text;
        const root = rootOf(e.expression.expression);
        const args = e.arguments.every((a) => readsOnly(a, use));
        if (
          args &&
          root &&
          root !== row &&
          root !== rowCollection &&
          readsOnly(e.expression.expression, use) &&
          ((method === 'push' && e.arguments.length >= 1) || (method === 'set' && e.arguments.length === 2))
        ) {
          targets.add(root);
          return true;
        }
      }
    }
    return false;
  };
  const body = loop.body;
  let ok: boolean;
  if (ts.isBlock(body)) ok = body.statements.every(statement);
  else if (isCallback) ok = readsOnly(body as ts.Expression, use);
  else ok = statement(body as ts.Statement);
  if (!ok)
    return {
      reason:
        why ??
        'the loop does more than store each parent’s rows (another call, await or write that could tell the query now runs once before the loop)',
    };
  // The one query: a second query (or the same one twice) is not a read.
  return { use, targets };
}

function indentOf(text: string, at: number): string {
  const lineStart = text.lastIndexOf('\n', at - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart, at))?.[0] ?? '';
}

function applyPatches(text: string, base: number, patches: CallPatch[]): string {
  let out = text;
  for (const p of [...patches].sort((a, b) => b.start - a.start))
    out = out.slice(0, p.start - base) + p.text + out.slice(p.end - base);
  return out;
}

function camel(name: string): string {
  const words = name
    .replace(/^['"`]|['"`]$/g, '')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
  const joined = words
    .map((w, i) => (i === 0 ? w[0].toLowerCase() + w.slice(1) : w[0].toUpperCase() + w.slice(1)))
    .join('');
  return /^[A-Za-z_$]/.test(joined) ? joined : `rows${joined}`;
}

function uniqueName(base: string, taken: Set<string>): string {
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}${i}`;
  taken.add(name);
  return name;
}

/** The named import the batched form needs, added to the file's import of that module or as a new one. */
function importEdit(file: ts.SourceFile, name: string, from: string, isJs: boolean): OrmEdit | undefined {
  let lastImport: ts.Statement | undefined;
  for (const s of file.statements) {
    if (ts.isImportDeclaration(s)) {
      lastImport = s;
      if (!ts.isStringLiteral(s.moduleSpecifier) || s.moduleSpecifier.text !== from) continue;
      const bindings = s.importClause?.namedBindings;
      if (bindings && ts.isNamedImports(bindings) && !s.importClause?.isTypeOnly) {
        if (bindings.elements.some((e) => e.name.text === name && !e.isTypeOnly)) return undefined;
        const last = bindings.elements[bindings.elements.length - 1];
        if (last) return { range: { start: last.getEnd(), end: last.getEnd() }, newText: `, ${name}` };
      }
    }
    if (ts.isVariableStatement(s) && /\brequire\(\s*['"]/.test(s.getText(file))) {
      lastImport = s;
      for (const d of s.declarationList.declarations) {
        const init = d.initializer;
        if (
          init &&
          ts.isCallExpression(init) &&
          init.arguments[0] &&
          ts.isStringLiteral(init.arguments[0]) &&
          init.arguments[0].text === from &&
          ts.isObjectBindingPattern(d.name)
        ) {
          if (d.name.elements.some((e) => ts.isIdentifier(e.name) && e.name.text === name)) return undefined;
          const last = d.name.elements[d.name.elements.length - 1];
          if (last) return { range: { start: last.getEnd(), end: last.getEnd() }, newText: `, ${name}` };
        }
      }
    }
  }
  const usesRequire = isJs && lastImport !== undefined && ts.isVariableStatement(lastImport);
  const line = usesRequire ? `const { ${name} } = require('${from}');` : `import { ${name} } from '${from}';`;
  if (!lastImport) return { range: { start: 0, end: 0 }, newText: `${line}\n` };
  return { range: { start: lastImport.getEnd(), end: lastImport.getEnd() }, newText: `\n${line}` };
}

/** Whether the collection can be read twice (once for the keys, once by the loop) and is an array. */
function readableTwice(collection: ts.Expression, types: OrmTypes | undefined): string | undefined {
  const c = unparen(collection);
  let e: ts.Expression = c;
  while (ts.isPropertyAccessExpression(e)) e = e.expression;
  if (!ts.isIdentifier(e) && e.kind !== ts.SyntaxKind.ThisKeyword)
    return `the loop goes over an expression (${c.getText()}) that the batched query would evaluate a second time`;
  const isArray = types?.isArray(c);
  if (isArray === false) return `${c.getText()} is not an array: the key list would consume what the loop iterates`;
  if (isArray === undefined && !declaredAsArray(c))
    return `its type is unknown here, so ${c.getText()} may not be an array the key list and the loop can both read`;
  return undefined;
}

/** Without a checker: `users: User[]`, `const users = await …findMany(…)`, an array literal. */
function declaredAsArray(collection: ts.Expression): boolean {
  if (!ts.isIdentifier(collection)) return false;
  const name = collection.text;
  let found = false;
  const visit = (n: ts.Node): void => {
    if ((ts.isVariableDeclaration(n) || ts.isParameter(n)) && ts.isIdentifier(n.name) && n.name.text === name) {
      const type = n.type;
      if (
        type &&
        (ts.isArrayTypeNode(type) ||
          (ts.isTypeReferenceNode(type) && /^(Readonly)?Array$/.test(type.typeName.getText())))
      )
        found = true;
      const init = n.initializer && unparen(n.initializer);
      if (init && ts.isArrayLiteralExpression(init)) found = true;
      if (init && ts.isAwaitExpression(init)) {
        const text = init.expression.getText();
        // An ORM's list query: findMany/findAll/find/findBy, a select…from or where chain, a knex('table') chain.
        if (/\.(findMany|findAll|find|findBy|select\([^)]*\)\s*\.from)\s*\(|\.where\(|^\w+\(\s*['"]/.test(text))
          found = true;
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(collection.getSourceFile());
  return found;
}

export function batchedEdits(input: BatchInput): BatchResult {
  const { file, text, loop, call, types, isJs } = input;
  const node = call.node;
  const ids = `${loop.collection.getText(file)}.map((${loop.rowVariable || 'row'}) => ${call.key.getText(file)})`;
  const batchedText = call.batched
    ? applyPatches(node.getText(file), node.getStart(file), call.batched(ids))
    : undefined;
  if (call.unbatchable || !call.batched || !batchedText)
    return { reason: call.unbatchable ?? 'no batched form is written for this call', batchedCall: batchedText };
  const collectionRoot = (() => {
    let e: ts.Expression = unparen(loop.collection);
    while (ts.isPropertyAccessExpression(e)) e = e.expression;
    return ts.isIdentifier(e) ? e.text : '';
  })();
  const check = loopAllowsBatch(loop, node, collectionRoot);
  if ('reason' in check) return { reason: check.reason, batchedCall: batchedText };
  const notArray = readableTwice(loop.collection, types);
  if (notArray) return { reason: notArray, batchedCall: batchedText };
  // The query moves before the loop: what it reads must be there, the same for every row.
  const loopNames = declaredNames(loop.body);
  if (loop.rowVariable) loopNames.add(loop.rowVariable);
  for (const t of check.targets) loopNames.add(t);
  const changing = [...referencedNames(node, call.key)].filter((n) => loopNames.has(n));
  if (changing.length > 0)
    return {
      reason: `the query also reads ${changing.join(', ')}, which changes from one row to the next (or is what the loop writes)`,
      batchedCall: batchedText,
    };
  // Where the batched query goes: before the statement holding the loop, in the same function.
  const statement = loop.statement;
  const holder = statement.parent;
  if (!holder || !(ts.isBlock(holder) || ts.isSourceFile(holder) || ts.isModuleBlock(holder)))
    return {
      reason: 'the loop is not a statement of a block, where the batched query could go before it',
      batchedCall: batchedText,
    };
  for (let n: ts.Node | undefined = loop.collection.parent; n && n !== statement; n = n.parent)
    if (functionLike(n) && !(loop.kind === 'promise-all-map' && n === loop.body.parent))
      return { reason: 'the loop sits in a function of its own inside its statement', batchedCall: batchedText };
  let fn: ts.Node | undefined = holder;
  while (fn && !functionLike(fn)) fn = fn.parent;
  const isAsync =
    fn === undefined ||
    (ts.canHaveModifiers(fn) && (ts.getModifiers(fn) ?? []).some((m) => m.kind === ts.SyntaxKind.AsyncKeyword));
  if (!isAsync)
    return {
      reason: 'the loop is not in an async function, where the batched query could be awaited',
      batchedCall: batchedText,
    };

  const taken = referencedNames(file);
  for (const n of declaredNames(file)) taken.add(n);
  const base = camel((call.target.split('.').pop() ?? 'rows').replace(/(Repository|Repo)$/, '')) || 'rows';
  const rowsName = uniqueName(`${base}Rows`, taken);
  const keyWord = call.keyField.includes('primaryKeyAttribute')
    ? 'Key'
    : camel(call.keyField).replace(/^./, (c) => c.toUpperCase());
  const mapName = uniqueName(`${base}By${keyWord}`, taken);
  const child = uniqueName('row', taken);
  const list = uniqueName('list', taken);
  const one = call.returns !== 'many';
  const indent = indentOf(text, statement.getStart(file));
  const key = call.rowKey(child);
  const mapType = isJs ? '' : one ? `<unknown, (typeof ${rowsName})[number]>` : `<unknown, typeof ${rowsName}>`;
  const lines = [
    `// One ${call.target} query for every ${loop.rowVariable} instead of one per ${loop.rowVariable} (N+1), grouped by ${call.keyField}.`,
    `const ${rowsName} = await ${batchedText};`,
    `const ${mapName} = new Map${mapType}();`,
    ...(one
      ? [`for (const ${child} of ${rowsName}) if (!${mapName}.has(${key})) ${mapName}.set(${key}, ${child});`]
      : [
          `for (const ${child} of ${rowsName}) {`,
          `  const ${list} = ${mapName}.get(${key});`,
          `  if (${list}) ${list}.push(${child});`,
          `  else ${mapName}.set(${key}, [${child}]);`,
          `}`,
        ]),
  ];
  const insert: OrmEdit = {
    range: { start: statement.getStart(file), end: statement.getStart(file) },
    newText: lines.map((l, i) => (i === 0 ? l : indent + l)).join('\n') + `\n${indent}`,
  };
  const lookup = `${mapName}.get(${call.key.getText(file)})${call.returns === 'many' ? ' ?? []' : call.returns === 'one-or-null' ? ' ?? null' : ''}`;
  const useNode = check.use;
  const parent = skipParensUp(useNode).parent;
  const bare =
    (ts.isBinaryExpression(parent) &&
      parent.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
      parent.right === skipParensUp(useNode)) ||
    ts.isVariableDeclaration(parent) ||
    ts.isPropertyAssignment(parent) ||
    ts.isReturnStatement(parent) ||
    ts.isCallExpression(parent) ||
    ts.isArrayLiteralExpression(parent);
  const replace: OrmEdit = {
    range: { start: useNode.getStart(file), end: useNode.getEnd() },
    newText: bare ? lookup : `(${lookup})`,
  };
  const edits: OrmEdit[] = [insert, replace];
  if (call.needsImport) {
    const imp = importEdit(file, call.needsImport.name, call.needsImport.from, isJs);
    if (imp) edits.unshift(imp);
  }
  return { edits, batchedCall: batchedText };
}
