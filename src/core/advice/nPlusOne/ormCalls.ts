/**
 * ORM query calls the N+1 finder reads, beside raw SQL: Prisma (`prisma.order.findMany({ where: { userId: x } })`,
 * findFirst, findUnique), Drizzle (`db.select().from(orders).where(eq(orders.userId, x))`,
 * `db.query.orders.findMany({ where: eq(orders.userId, x) })`), TypeORM (`repo.find({ where: { userId: x } })`,
 * findBy, findOne, findOneBy, the query builder), Sequelize (`Order.findAll({ where: { userId: x } })`, findOne,
 * findByPk) and the knex builder (`knex('orders').where('user_id', x)`, `.where({ user_id: x })`, `.first()`).
 *
 * Each call is read for the one child field compared with an expression (the key), and, when the ORM can take
 * every key at once, the call's batched form with the key list in its place (`{ in: ids }`, `inArray`, `In(ids)`,
 * `{ [Op.in]: ids }`, `whereIn`). Which ORM a call belongs to comes from the receiver's type declarations when a
 * program resolves them (ormTypes), else from the call's shape and the file's imports.
 */
import ts from 'typescript';

export type Orm = 'prisma' | 'drizzle' | 'typeorm' | 'sequelize' | 'knex';

export const ormNames: Record<Orm, string> = {
  prisma: 'Prisma',
  drizzle: 'Drizzle',
  typeorm: 'TypeORM',
  sequelize: 'Sequelize',
  knex: 'knex',
};

/** A text change inside the call: `[start, end)` of the file replaced by `text`. */
export interface CallPatch {
  start: number;
  end: number;
  text: string;
}

export interface OrmQueryCall {
  orm: Orm;
  /** The outermost expression of the call (the whole chain for builders), without `await`. */
  node: ts.Expression;
  /** What the code names: `findMany`, `findOneBy`, `where`. */
  method: string;
  /** The model or table as written: `prisma.order`, `Order`, `orders`, `'orders'`. */
  target: string;
  /** Rows (an array), or one row: null when none (Prisma, TypeORM, Sequelize) or undefined (knex `.first()`). */
  returns: 'many' | 'one-or-null' | 'one-or-undefined';
  /** The expression compared with the child field (`user.id`). */
  key: ts.Expression;
  /** The child field (as the rows carry it) that equals the key: `userId`, `user_id`. */
  keyField: string;
  /** Text that reads the key field off a child row named `row` (Sequelize findByPk: the model's primary key). */
  rowKey: (row: string) => string;
  /** The call orders its rows (or picks one by a unique key): without, which rows come first is the database's choice. */
  ordered: boolean;
  /** Why the batched form cannot be written for this call (a per-parent limit, a projection without the key…). */
  unbatchable?: string;
  /** The call's text changes that make it take a key list: `ids` is the list's expression. */
  batched?: (ids: string) => CallPatch[];
  /** A named import the batched form needs: `In` from 'typeorm', `Op` from 'sequelize', `inArray` from 'drizzle-orm'. */
  needsImport?: { name: string; from: string };
}

/** Which ORM the file imports, for calls whose shape two ORMs share (`findOne({ where })`). */
export function importedOrms(file: ts.SourceFile): Set<Orm> {
  const out = new Set<Orm>();
  for (const s of file.statements) {
    let spec: string | undefined;
    if (ts.isImportDeclaration(s) && ts.isStringLiteral(s.moduleSpecifier)) spec = s.moduleSpecifier.text;
    else if (ts.isVariableStatement(s)) {
      for (const d of s.declarationList.declarations) {
        const init = d.initializer;
        if (
          init &&
          ts.isCallExpression(init) &&
          ts.isIdentifier(init.expression) &&
          init.expression.text === 'require' &&
          init.arguments[0] &&
          ts.isStringLiteral(init.arguments[0])
        )
          spec = init.arguments[0].text;
      }
    }
    if (!spec) continue;
    const orm = ormOfModule(spec);
    if (orm) out.add(orm);
  }
  return out;
}

/** The ORM a module specifier or declaration file path belongs to. */
export function ormOfModule(path: string): Orm | undefined {
  // `@prisma/client`, the default generated `.prisma/client`, or a client generated into a `prisma` folder.
  if (/(^|[\\/])(@prisma[\\/]client|\.prisma[\\/]client|prisma)([\\/]|$)/.test(path)) return 'prisma';
  if (/drizzle-orm/.test(path)) return 'drizzle';
  if (/(^|[\\/])typeorm([\\/]|$)/.test(path)) return 'typeorm';
  if (/(^|[\\/])sequelize(-typescript)?([\\/]|$)/.test(path)) return 'sequelize';
  if (/(^|[\\/])knex([\\/]|$)/.test(path)) return 'knex';
  return undefined;
}

function unparen(node: ts.Expression): ts.Expression {
  let n = node;
  while (ts.isParenthesizedExpression(n) || ts.isAsExpression(n) || ts.isNonNullExpression(n)) n = n.expression;
  return n;
}

function propertyName(name: ts.PropertyName): string | undefined {
  if (ts.isIdentifier(name) || ts.isStringLiteral(name)) return name.text;
  return undefined;
}

/** The property assignments of an object literal by name (shorthand included), or undefined if others exist. */
function propertiesOf(
  object: ts.ObjectLiteralExpression,
): Map<string, ts.PropertyAssignment | ts.ShorthandPropertyAssignment> | undefined {
  const out = new Map<string, ts.PropertyAssignment | ts.ShorthandPropertyAssignment>();
  for (const p of object.properties) {
    if (ts.isPropertyAssignment(p)) {
      const name = propertyName(p.name);
      if (name === undefined) return undefined;
      out.set(name, p);
    } else if (ts.isShorthandPropertyAssignment(p)) out.set(p.name.text, p);
    else return undefined;
  }
  return out;
}

function member(object: string, name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? `${object}.${name}` : `${object}[${JSON.stringify(name)}]`;
}

/** A where object's one field whose value depends on the loop (`isKey`), and the rest. */
interface WhereKey {
  field: string;
  property: ts.PropertyAssignment;
}

function whereKeyOf(
  where: ts.Expression | undefined,
  isKey: (e: ts.Expression) => boolean,
): WhereKey | { reason: string } | undefined {
  if (!where) return undefined;
  const w = unparen(where);
  if (!ts.isObjectLiteralExpression(w)) return undefined;
  const props = propertiesOf(w);
  if (!props) return { reason: 'its where object is built with spreads or computed names' };
  const keys = [...props].filter(([, p]) => ts.isPropertyAssignment(p) && isKey(p.initializer));
  if (keys.length !== 1) return undefined;
  const [field, property] = keys[0];
  return { field, property: property as ts.PropertyAssignment };
}

/** Whether a projection (`select`, `attributes`, `columns`) keeps the key field on the rows. */
function projectionKeeps(projection: ts.Expression, field: string): boolean | undefined {
  const p = unparen(projection);
  if (ts.isObjectLiteralExpression(p)) {
    const props = propertiesOf(p);
    const prop = props?.get(field);
    if (!prop) return false;
    return ts.isPropertyAssignment(prop) && prop.initializer.kind === ts.SyntaxKind.TrueKeyword;
  }
  if (ts.isArrayLiteralExpression(p))
    return p.elements.some((e) => ts.isStringLiteral(e) && (e.text === field || e.text.endsWith(`.${field}`)));
  return undefined;
}

/** Options that keep a batched query from giving each parent what its own query gave. */
function perParentLimit(options: Map<string, unknown>, names: string[]): string | undefined {
  const found = names.find((n) => options.has(n));
  return found
    ? `its \`${found}\` applies per parent; one query for every parent would apply it to all of them together`
    : undefined;
}

export interface OrmCallContext {
  file: ts.SourceFile;
  /** Whether an expression is the loop's key (a column of the loop's row). */
  isKey: (e: ts.Expression) => boolean;
  /** The ORM the call's receiver type resolves to (ormTypes), when a program has it; null: resolved, not an ORM. */
  typedOrm?: (call: ts.CallExpression) => Orm | null | undefined;
  imports: Set<Orm>;
}

const prismaOne = new Set(['findFirst', 'findUnique']);
const prismaMethods = new Set(['findMany', 'findFirst', 'findUnique', 'findFirstOrThrow', 'findUniqueOrThrow']);
const typeormMethods = new Set(['find', 'findBy', 'findOne', 'findOneBy', 'findOneOrFail', 'findOneByOrFail']);
const sequelizeMethods = new Set(['findAll', 'findOne', 'findByPk']);

/**
 * The ORM query call `node` is (a call expression, possibly the end of a builder chain), or undefined. Only the
 * outermost call of a chain is one: `knex('orders').where(…).first()` is read at `.first()`.
 */
export function ormCallOf(node: ts.Node, ctx: OrmCallContext): OrmQueryCall | undefined {
  if (!ts.isCallExpression(node)) return undefined;
  // The chain's outermost call only: a call whose value is the receiver of another builder call is part of it.
  const up = node.parent;
  if (ts.isPropertyAccessExpression(up) && up.expression === node && ts.isCallExpression(up.parent)) {
    const next = up.name.text;
    if (
      /^(where|andWhere|orderBy|select|from|first|limit|offset|innerJoin|leftJoin|whereIn|orWhere|columns)$/.test(next)
    )
      return undefined;
  }
  const typed = ctx.typedOrm?.(node);
  if (typed === null) return undefined;
  const callee = node.expression;
  if (ts.isPropertyAccessExpression(callee)) {
    const method = callee.name.text;
    if (prismaMethods.has(method) && (typed === 'prisma' || typed === undefined)) {
      const found = prismaCall(node, callee, method, ctx);
      if (found) return found;
    }
    if ((method === 'findMany' || method === 'findFirst') && (typed === 'drizzle' || typed === undefined)) {
      const found = drizzleQueryCall(node, callee, method, ctx);
      if (found) return found;
    }
    if (typeormMethods.has(method) && (typed === 'typeorm' || typed === undefined)) {
      if (typed === 'typeorm' || !(ctx.imports.has('sequelize') && !ctx.imports.has('typeorm'))) {
        const found = typeormCall(node, callee, method, ctx, typed === 'typeorm');
        if (found) return found;
      }
    }
    if (sequelizeMethods.has(method) && (typed === 'sequelize' || typed === undefined)) {
      if (
        typed === 'sequelize' ||
        method !== 'findOne' ||
        !ctx.imports.has('typeorm') ||
        ctx.imports.has('sequelize')
      ) {
        const found = sequelizeCall(node, callee, method, ctx);
        if (found) return found;
      }
    }
    if (typed === 'drizzle' || typed === undefined) {
      const found = drizzleSelectCall(node, ctx);
      if (found) return found;
    }
    if (typed === 'knex' || typed === undefined) {
      const found = knexCall(node, ctx);
      if (found) return found;
    }
    if (typed === 'typeorm' || typed === undefined) {
      const found = typeormBuilderCall(node, ctx);
      if (found) return found;
    }
  }
  return undefined;
}

// Prisma: prisma.order.findMany({ where: { userId: x }, orderBy, include, select }).
function prismaCall(
  node: ts.CallExpression,
  callee: ts.PropertyAccessExpression,
  method: string,
  ctx: OrmCallContext,
): OrmQueryCall | undefined {
  const delegate = callee.expression;
  // `prisma.order`, `this.prisma.order`, `tx.order`: a model delegate is a property of the client.
  if (!ts.isPropertyAccessExpression(delegate) || delegate.expression.getText(ctx.file).endsWith('.query')) return;
  const arg = node.arguments[0] && unparen(node.arguments[0]);
  if (!arg || !ts.isObjectLiteralExpression(arg)) return undefined;
  const options = propertiesOf(arg);
  const where = options?.get('where');
  if (!options || !where || !ts.isPropertyAssignment(where)) return undefined;
  const key = whereKeyOf(where.initializer, ctx.isKey);
  if (!key || 'reason' in key) return undefined;
  const one = prismaOne.has(method) || method.endsWith('OrThrow');
  const call: OrmQueryCall = {
    orm: 'prisma',
    node,
    method,
    target: delegate.getText(ctx.file),
    returns: one ? 'one-or-null' : 'many',
    key: key.property.initializer,
    keyField: key.field,
    rowKey: (row) => member(row, key.field),
    ordered: method.startsWith('findUnique') || options.has('orderBy'),
  };
  const select = options.get('select');
  if (method.endsWith('OrThrow'))
    call.unbatchable = `${method} throws for the first parent without a row, which a batched query does not reproduce`;
  else if (perParentLimit(options, ['take', 'skip', 'cursor', 'distinct']))
    call.unbatchable = perParentLimit(options, ['take', 'skip', 'cursor', 'distinct']);
  else if (select && (!ts.isPropertyAssignment(select) || projectionKeeps(select.initializer, key.field) !== true))
    call.unbatchable = `its select does not keep ${key.field}, which the rows are grouped by`;
  else if (options.size !== arg.properties.length) call.unbatchable = 'its options are built with spreads';
  else
    call.batched = (ids) => [
      { start: callee.name.getStart(ctx.file), end: callee.name.getEnd(), text: 'findMany' },
      {
        start: key.property.initializer.getStart(ctx.file),
        end: key.property.initializer.getEnd(),
        text: `{ in: ${ids} }`,
      },
    ];
  return call;
}

/** `eq(T.col, key)` / `eq(key, T.col)`: the column expression and the field name. */
function eqOf(
  expr: ts.Expression,
  ctx: OrmCallContext,
): { call: ts.CallExpression; column: ts.Expression; field: string; key: ts.Expression } | undefined {
  const e = unparen(expr);
  if (!ts.isCallExpression(e) || !ts.isIdentifier(e.expression) || e.expression.text !== 'eq') return undefined;
  const [a, b] = e.arguments;
  if (!a || !b) return undefined;
  const [column, key] = ctx.isKey(b) ? [a, b] : ctx.isKey(a) ? [b, a] : [undefined, undefined];
  if (!column || !key || !ts.isPropertyAccessExpression(column)) return undefined;
  return { call: e, column, field: column.name.text, key };
}

/** The eq of the key in a Drizzle where: `eq(…)` itself or one argument of `and(…)`. */
function drizzleWhereKey(where: ts.Expression, ctx: OrmCallContext): ReturnType<typeof eqOf> {
  const direct = eqOf(where, ctx);
  if (direct) return direct;
  const w = unparen(where);
  if (ts.isCallExpression(w) && ts.isIdentifier(w.expression) && w.expression.text === 'and') {
    const found = w.arguments.map((a) => eqOf(a, ctx)).filter((x) => x !== undefined);
    return found.length === 1 ? found[0] : undefined;
  }
  return undefined;
}

function drizzleInArray(eq: NonNullable<ReturnType<typeof eqOf>>, ctx: OrmCallContext): (ids: string) => CallPatch[] {
  return (ids) => [
    {
      start: eq.call.getStart(ctx.file),
      end: eq.call.getEnd(),
      text: `inArray(${eq.column.getText(ctx.file)}, ${ids})`,
    },
  ];
}

// Drizzle relational queries: db.query.orders.findMany({ where: eq(orders.userId, x) }).
function drizzleQueryCall(
  node: ts.CallExpression,
  callee: ts.PropertyAccessExpression,
  method: string,
  ctx: OrmCallContext,
): OrmQueryCall | undefined {
  const table = callee.expression;
  if (!ts.isPropertyAccessExpression(table) || !table.expression.getText(ctx.file).endsWith('.query')) return;
  const arg = node.arguments[0] && unparen(node.arguments[0]);
  if (!arg || !ts.isObjectLiteralExpression(arg)) return undefined;
  const options = propertiesOf(arg);
  const where = options?.get('where');
  if (!options || !where || !ts.isPropertyAssignment(where)) return undefined;
  const eq = drizzleWhereKey(where.initializer, ctx);
  if (!eq) return undefined;
  const call: OrmQueryCall = {
    orm: 'drizzle',
    node,
    method,
    target: table.getText(ctx.file),
    returns: method === 'findFirst' ? 'one-or-undefined' : 'many',
    key: eq.key,
    keyField: eq.field,
    rowKey: (row) => member(row, eq.field),
    ordered: options.has('orderBy'),
  };
  const columns = options.get('columns');
  const limit = perParentLimit(options, ['limit', 'offset']);
  if (limit) call.unbatchable = limit;
  else if (columns && (!ts.isPropertyAssignment(columns) || projectionKeeps(columns.initializer, eq.field) !== true))
    call.unbatchable = `its columns do not keep ${eq.field}, which the rows are grouped by`;
  else {
    const patch = drizzleInArray(eq, ctx);
    call.batched = (ids) => [
      ...(method === 'findFirst'
        ? [{ start: callee.name.getStart(ctx.file), end: callee.name.getEnd(), text: 'findMany' }]
        : []),
      ...patch(ids),
    ];
    call.needsImport = { name: 'inArray', from: 'drizzle-orm' };
  }
  return call;
}

/** The calls of a builder chain from its root outwards: `a(x).b(y).c()` → [a(x), .b(y), .c()]. */
function chainOf(node: ts.CallExpression): {
  root: ts.Expression;
  calls: Array<{ name: string; call: ts.CallExpression }>;
} {
  const calls: Array<{ name: string; call: ts.CallExpression }> = [];
  let n: ts.Expression = node;
  while (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression)) {
    calls.unshift({ name: n.expression.name.text, call: n });
    n = n.expression.expression;
  }
  return { root: n, calls };
}

// Drizzle: db.select(fields?).from(orders).where(eq(orders.userId, x)).orderBy(…).
function drizzleSelectCall(node: ts.CallExpression, ctx: OrmCallContext): OrmQueryCall | undefined {
  const { calls } = chainOf(node);
  const names = calls.map((c) => c.name);
  const select = calls.find((c) => c.name === 'select' || c.name === 'selectDistinct');
  const from = calls.find((c) => c.name === 'from');
  const where = calls.find((c) => c.name === 'where');
  if (!select || !from || !where || names.indexOf('select') > names.indexOf('from')) return undefined;
  const table = from.call.arguments[0];
  if (!table || ts.isStringLiteral(table)) return undefined; // knex's `.from('orders')`
  const eq = where.call.arguments[0] ? drizzleWhereKey(where.call.arguments[0], ctx) : undefined;
  if (!eq) return undefined;
  let field: string | undefined = eq.field;
  const fields = select.call.arguments[0] && unparen(select.call.arguments[0]);
  if (fields && ts.isObjectLiteralExpression(fields)) {
    field = undefined;
    for (const p of fields.properties)
      if (
        ts.isPropertyAssignment(p) &&
        p.initializer.getText(ctx.file) === eq.column.getText(ctx.file) &&
        propertyName(p.name)
      )
        field = propertyName(p.name);
  }
  const call: OrmQueryCall = {
    orm: 'drizzle',
    node,
    method: 'select',
    target: table.getText(ctx.file),
    returns: 'many',
    key: eq.key,
    keyField: field ?? eq.field,
    rowKey: (row) => member(row, field ?? eq.field),
    ordered: names.includes('orderBy'),
  };
  const other = names.find((n) => !['select', 'from', 'where', 'orderBy'].includes(n));
  if (other)
    call.unbatchable = /limit|offset/.test(other)
      ? `its .${other}() applies per parent; one query for every parent would apply it to all of them together`
      : `its .${other}() is not a shape the batched query is written for`;
  else if (select.name === 'selectDistinct') call.unbatchable = 'selectDistinct is not a shape the batched query keeps';
  else if (!field)
    call.unbatchable = `its selected fields do not keep ${eq.column.getText(ctx.file)}, which the rows are grouped by`;
  else {
    call.batched = drizzleInArray(eq, ctx);
    call.needsImport = { name: 'inArray', from: 'drizzle-orm' };
  }
  return call;
}

// TypeORM: repo.find({ where: { userId: x } }), findBy({ userId: x }), findOne, findOneBy; manager.find(Entity, …).
function typeormCall(
  node: ts.CallExpression,
  callee: ts.PropertyAccessExpression,
  method: string,
  ctx: OrmCallContext,
  typed: boolean,
): OrmQueryCall | undefined {
  const byWhere = method === 'findBy' || method === 'findOneBy' || method === 'findOneByOrFail';
  // EntityManager's forms take the entity first.
  const args = node.arguments.length === 2 ? node.arguments.slice(1) : node.arguments;
  const arg = args[0] && unparen(args[0]);
  if (!arg || !ts.isObjectLiteralExpression(arg)) return undefined;
  let whereObject: ts.Expression;
  let options: Map<string, ts.PropertyAssignment | ts.ShorthandPropertyAssignment> | undefined;
  if (byWhere) whereObject = arg;
  else {
    options = propertiesOf(arg);
    const where = options?.get('where');
    if (!options || !where || !ts.isPropertyAssignment(where)) return undefined;
    whereObject = where.initializer;
  }
  // Without types, `x.find({ where })` on anything but a repository or manager is rare, but a Sequelize
  // `Model.findOne({ where })` has the same shape: the file's imports decide that one (ormCallOf).
  if (
    !typed &&
    method === 'find' &&
    !ctx.imports.has('typeorm') &&
    !/repo|repository|manager/i.test(callee.expression.getText(ctx.file))
  )
    return undefined;
  const key = whereKeyOf(whereObject, ctx.isKey);
  if (!key || 'reason' in key) return undefined;
  const one = method.startsWith('findOne');
  const call: OrmQueryCall = {
    orm: 'typeorm',
    node,
    method,
    target: node.arguments.length === 2 ? node.arguments[0].getText(ctx.file) : callee.expression.getText(ctx.file),
    returns: one ? 'one-or-null' : 'many',
    key: key.property.initializer,
    keyField: key.field,
    rowKey: (row) => member(row, key.field),
    ordered: options?.has('order') ?? false,
  };
  const select = options?.get('select');
  const limit = options ? perParentLimit(options, ['take', 'skip']) : undefined;
  if (method.endsWith('OrFail'))
    call.unbatchable = `${method} throws for the first parent without a row, which a batched query does not reproduce`;
  else if (limit) call.unbatchable = limit;
  else if (select && (!ts.isPropertyAssignment(select) || projectionKeeps(select.initializer, key.field) !== true))
    call.unbatchable = `its select does not keep ${key.field}, which the rows are grouped by`;
  else if (options && options.size !== arg.properties.length) call.unbatchable = 'its options are built with spreads';
  else {
    const rename = one ? (byWhere ? 'findBy' : 'find') : undefined;
    call.batched = (ids) => [
      ...(rename ? [{ start: callee.name.getStart(ctx.file), end: callee.name.getEnd(), text: rename }] : []),
      {
        start: key.property.initializer.getStart(ctx.file),
        end: key.property.initializer.getEnd(),
        text: `In(${ids})`,
      },
    ];
    call.needsImport = { name: 'In', from: 'typeorm' };
  }
  return call;
}

// TypeORM query builder: repo.createQueryBuilder('o').where('o.userId = :id', { id: x }).getMany() — reported only.
function typeormBuilderCall(node: ts.CallExpression, ctx: OrmCallContext): OrmQueryCall | undefined {
  const { calls } = chainOf(node);
  const last = calls[calls.length - 1];
  if (!last || !/^get(Many|One|OneOrFail|RawMany|RawOne)$/.test(last.name)) return undefined;
  if (!calls.some((c) => c.name === 'createQueryBuilder')) return undefined;
  for (const c of calls) {
    if (!/^(where|andWhere)$/.test(c.name)) continue;
    const params = c.call.arguments[1] && unparen(c.call.arguments[1]);
    const condition = c.call.arguments[0];
    if (!params || !ts.isObjectLiteralExpression(params) || !condition || !ts.isStringLiteral(condition)) continue;
    const key = whereKeyOf(params, ctx.isKey);
    if (!key || 'reason' in key) continue;
    const column = new RegExp(`([\\w.]+)\\s*=\\s*:${key.field}\\b`).exec(condition.text)?.[1];
    const field = column?.split('.').pop() ?? key.field;
    return {
      orm: 'typeorm',
      node,
      method: last.name,
      target: calls[0].call.getText(ctx.file),
      returns: last.name.startsWith('getOne') || last.name === 'getRawOne' ? 'one-or-null' : 'many',
      key: key.property.initializer,
      keyField: field,
      rowKey: (row) => member(row, field),
      ordered: calls.some((c) => c.name === 'orderBy' || c.name === 'addOrderBy'),
      unbatchable: `a query builder's condition is SQL text: write \`${column ?? field} IN (:...${key.field}s)\` with the key list by hand`,
    };
  }
  return undefined;
}

// Sequelize: Order.findAll({ where: { userId: x } }), Order.findOne({ where }), Order.findByPk(x, options).
function sequelizeCall(
  node: ts.CallExpression,
  callee: ts.PropertyAccessExpression,
  method: string,
  ctx: OrmCallContext,
): OrmQueryCall | undefined {
  const model = callee.expression.getText(ctx.file);
  if (method === 'findByPk') {
    const [pk, extra] = node.arguments;
    if (!pk || !ctx.isKey(pk)) return undefined;
    const opts = extra && unparen(extra);
    const options = opts && ts.isObjectLiteralExpression(opts) ? propertiesOf(opts) : undefined;
    const call: OrmQueryCall = {
      orm: 'sequelize',
      node,
      method,
      target: model,
      returns: 'one-or-null',
      key: pk,
      keyField: `${model}.primaryKeyAttribute`,
      rowKey: (row) => `${row}.get(${model}.primaryKeyAttribute)`,
      ordered: true,
    };
    if (extra && (!options || options.has('where') || options.has('attributes')))
      call.unbatchable = 'its options carry a where or attributes the batched query would have to merge';
    else
      call.batched = (ids) => [
        {
          start: callee.name.getStart(ctx.file),
          end: node.getEnd(),
          text: `findAll({ ${opts && ts.isObjectLiteralExpression(opts) && opts.properties.length > 0 ? `${opts.properties.map((p) => p.getText(ctx.file)).join(', ')}, ` : ''}where: { [${model}.primaryKeyAttribute]: { [Op.in]: ${ids} } } })`,
        },
      ];
    call.needsImport = { name: 'Op', from: 'sequelize' };
    return call;
  }
  const arg = node.arguments[0] && unparen(node.arguments[0]);
  if (!arg || !ts.isObjectLiteralExpression(arg)) return undefined;
  const options = propertiesOf(arg);
  const where = options?.get('where');
  if (!options || !where || !ts.isPropertyAssignment(where)) return undefined;
  const key = whereKeyOf(where.initializer, ctx.isKey);
  if (!key || 'reason' in key) return undefined;
  const call: OrmQueryCall = {
    orm: 'sequelize',
    node,
    method,
    target: model,
    returns: method === 'findOne' ? 'one-or-null' : 'many',
    key: key.property.initializer,
    keyField: key.field,
    // A model instance's attribute is read through get() (a plain row with raw: true too, through its property).
    rowKey: (row) => member(row, key.field),
    ordered: options.has('order'),
  };
  const attributes = options.get('attributes');
  const limit = perParentLimit(options, ['limit', 'offset']);
  if (limit) call.unbatchable = limit;
  else if (
    attributes &&
    (!ts.isPropertyAssignment(attributes) || projectionKeeps(attributes.initializer, key.field) !== true)
  )
    call.unbatchable = `its attributes do not keep ${key.field}, which the rows are grouped by`;
  else if (options.size !== arg.properties.length) call.unbatchable = 'its options are built with spreads';
  else {
    call.batched = (ids) => [
      ...(method === 'findOne'
        ? [{ start: callee.name.getStart(ctx.file), end: callee.name.getEnd(), text: 'findAll' }]
        : []),
      {
        start: key.property.initializer.getStart(ctx.file),
        end: key.property.initializer.getEnd(),
        text: `{ [Op.in]: ${ids} }`,
      },
    ];
    call.needsImport = { name: 'Op', from: 'sequelize' };
  }
  return call;
}

// knex: knex('orders').where('user_id', x) / .where('user_id', '=', x) / .where({ user_id: x }), .select, .orderBy, .first.
function knexCall(node: ts.CallExpression, ctx: OrmCallContext): OrmQueryCall | undefined {
  const { root, calls } = chainOf(node);
  let table: ts.Expression | undefined;
  // `knex('orders')…` (the chain's root is a call with the table's name), or `knex.select(…).from('orders')…`.
  if (
    ts.isCallExpression(root) &&
    ts.isIdentifier(root.expression) &&
    root.arguments[0] &&
    ts.isStringLiteral(root.arguments[0])
  )
    table = root.arguments[0];
  const from = calls.find((c) => c.name === 'from' || c.name === 'table');
  if (!table && from?.call.arguments[0] && ts.isStringLiteral(from.call.arguments[0])) table = from.call.arguments[0];
  if (!table) return undefined;
  let key: { field: string; expr: ts.Expression; call: ts.CallExpression; rest?: string } | undefined;
  for (const c of calls) {
    if (c.name !== 'where' && c.name !== 'andWhere') continue;
    const args = c.call.arguments;
    if (args.length === 2 && ts.isStringLiteral(args[0]) && ctx.isKey(args[1]))
      key = { field: args[0].text, expr: args[1], call: c.call };
    else if (
      args.length === 3 &&
      ts.isStringLiteral(args[0]) &&
      ts.isStringLiteral(args[1]) &&
      args[1].text === '=' &&
      ctx.isKey(args[2])
    )
      key = { field: args[0].text, expr: args[2], call: c.call };
    else if (args.length === 1) {
      const w = whereKeyOf(args[0], ctx.isKey);
      const obj = unparen(args[0]);
      if (w && !('reason' in w) && ts.isObjectLiteralExpression(obj)) {
        const rest = obj.properties.filter((p) => p !== w.property).map((p) => p.getText(ctx.file));
        key = {
          field: w.field,
          expr: w.property.initializer,
          call: c.call,
          rest: rest.length ? `{ ${rest.join(', ')} }` : undefined,
        };
      }
    }
    if (key) break;
  }
  if (!key) return undefined;
  const field = key.field.split('.').pop() ?? key.field;
  const names = calls.map((c) => c.name);
  const first = calls.find((c) => c.name === 'first');
  const call: OrmQueryCall = {
    orm: 'knex',
    node,
    method: first ? 'first' : 'where',
    target: table.getText(ctx.file),
    returns: first ? 'one-or-undefined' : 'many',
    key: key.expr,
    keyField: field,
    rowKey: (row) => member(row, field),
    ordered: names.includes('orderBy'),
  };
  const other = names.find(
    (n) =>
      ![
        'where',
        'andWhere',
        'select',
        'from',
        'table',
        'orderBy',
        'first',
        'whereIn',
        'whereNull',
        'whereNotNull',
      ].includes(n),
  );
  const projections = calls.filter((c) => c.name === 'select' || c.name === 'first').flatMap((c) => c.call.arguments);
  const keeps =
    projections.length === 0 ||
    projections.some(
      (a) =>
        ts.isStringLiteral(a) &&
        (a.text === '*' || a.text === field || a.text.endsWith(`.${field}`) || a.text.endsWith('.*')),
    );
  if (other)
    call.unbatchable = /limit|offset/.test(other)
      ? `its .${other}() applies per parent; one query for every parent would apply it to all of them together`
      : `its .${other}() is not a shape the batched query is written for`;
  else if (!keeps) call.unbatchable = `its selected columns do not keep ${field}, which the rows are grouped by`;
  else {
    const whereCall = key.call;
    const whereName = whereCall.expression as ts.PropertyAccessExpression;
    call.batched = (ids) => {
      const patches: CallPatch[] = [
        {
          start: whereName.name.getStart(ctx.file),
          end: whereCall.getEnd(),
          text: `${key.rest ? `where(${key.rest}).` : ''}whereIn(${JSON.stringify(key.field)}, ${ids})`,
        },
      ];
      // `.first(cols)` is `.select(cols)` with a limit of one for all parents together: the rows are picked per parent instead.
      if (first) {
        const name = first.call.expression as ts.PropertyAccessExpression;
        const cols = first.call.arguments.map((a) => a.getText(ctx.file)).join(', ');
        patches.push(
          cols
            ? { start: name.name.getStart(ctx.file), end: first.call.getEnd(), text: `select(${cols})` }
            : { start: name.expression.getEnd(), end: first.call.getEnd(), text: '' },
        );
      }
      return patches;
    };
  }
  return call;
}
