/**
 * A cheap test before the TypeScript compiler loads: whether a file may hold a query call the N+1 finder reads.
 * It must let through every call findNPlusOne knows, including a type argument (`pool.query<Row>(…)`, the usual
 * TypeScript way), or such files are never checked at all. Kept apart from the finder so checking does not load
 * the compiler.
 */
const queryCall = /\.(query|raw|\$queryRaw(Unsafe)?|any|many|manyOrNone)\s*(<[^();]*>\s*)?[(`]|\bsql\s*`/i;

export function mayHoldQueryCall(text: string): boolean {
  return queryCall.test(text);
}

/**
 * The same cheap test for the ORM calls the ORM N+1 finder reads (Prisma, Drizzle, TypeORM, Sequelize, knex): a
 * finder method or a builder's where, with or without a type argument.
 */
const ormCall =
  /\.(findMany|findFirst|findUnique|findAll|findOne|findOneBy|findBy|findByPk|find|where|andWhere)\s*(<[^();]*>\s*)?\(/;

export function mayHoldOrmCall(text: string): boolean {
  return ormCall.test(text);
}
