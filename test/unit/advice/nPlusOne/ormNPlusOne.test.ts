/**
 * ORM N+1 loops, each run with its real package (knex, Drizzle, TypeORM, Sequelize, Prisma with @prisma/adapter-pg)
 * on the test server, before and after the fix: the loop in test/fixtures/nplusone-orm/ as written and as the
 * edits leave it (both transpiled with TypeScript's transpileModule), the returned values compared with
 * deepStrictEqual and the round trips counted at node-postgres' Client#query, which every one of these ORMs goes
 * through. Loops the fix cannot keep (a limit per parent, another call in the loop) get no edit.
 *
 * Prisma: `prisma generate` runs from the npm packages alone when PRISMA_SCHEMA_ENGINE_BINARY names any existing
 * file (generate does not use the schema engine; the CLI only tries to download it), and Prisma 7's client runs
 * without a Rust engine through its query compiler (WebAssembly in @prisma/client) and the pg adapter.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import pg from 'pg';
import { adviseOrmNPlusOne, type OrmNPlusOneAdvice } from '../../../../src/core/advice/nPlusOne/findOrmNPlusOne';
import { ormNPlusOneFix, ormNPlusOneHoverText } from '../../../../src/extension/advice/ormNPlusOneFix';
import { testServer } from '../../../helpers/globalServer';
import { urlFor } from '../../../helpers/testDatabase';
import { useRewriteDatabase } from '../rewrite/rewriteDatabase';
import knex from 'knex';
import { drizzle } from 'drizzle-orm/node-postgres';
import { DataSource, In } from 'typeorm';
import { Op, Sequelize } from 'sequelize';
import { inArray } from 'drizzle-orm';
import { PrismaPg } from '@prisma/adapter-pg';
import * as drizzleSchema from '../../../fixtures/nplusone-orm/models/drizzle';
import * as entities from '../../../fixtures/nplusone-orm/models/typeorm';
import * as models from '../../../fixtures/nplusone-orm/models/sequelize';

const fixtures = resolve(__dirname, '../../../fixtures/nplusone-orm');
const repoRoot = resolve(__dirname, '../../../..');

// 40 users (every third inactive, users 5, 10, … without orders), 1–9 orders each with distinct times per user.
const dataSql = `
CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL, active boolean NOT NULL);
INSERT INTO users SELECT g, 'user ' || lpad(g::text, 2, '0'), g % 3 <> 0 FROM generate_series(1, 40) g;
CREATE TABLE orders (
  id int PRIMARY KEY,
  user_id int NOT NULL REFERENCES users (id),
  total numeric(10, 2) NOT NULL,
  placed_at timestamptz NOT NULL
);
INSERT INTO orders
SELECT row_number() OVER (ORDER BY u, n), u, round((u * 13 + n * 7) % 200 + n / 4.0, 2), timestamptz '2024-01-01 00:00:00+00' + ((u * 37 + n * 101) % 997) * interval '1 hour'
FROM generate_series(1, 40) u, generate_series(1, 1 + u % 9) n
WHERE u % 5 <> 0;
CREATE INDEX ON orders (user_id);
ANALYZE users;
ANALYZE orders;
`;

const prismaSchema = `
generator client {
  provider     = "prisma-client"
  output       = "./prisma"
  moduleFormat = "cjs"
}

datasource db {
  provider = "postgresql"
}

model User {
  id     Int     @id
  name   String
  active Boolean
  orders Order[]

  @@map("users")
}

model Order {
  id       Int      @id
  userId   Int      @map("user_id")
  total    Decimal  @db.Decimal(10, 2)
  placedAt DateTime @map("placed_at") @db.Timestamptz
  user     User     @relation(fields: [userId], references: [id])

  @@map("orders")
}
`;

/** Round trips: every ORM here sends its statements through node-postgres' Client#query. */
let roundTrips = 0;
let counting = false;
const originalQuery = pg.Client.prototype.query;

function countRoundTrips(): void {
  const patched = function (this: pg.Client, ...args: unknown[]): unknown {
    if (counting) roundTrips++;
    return (originalQuery as (...a: unknown[]) => unknown).apply(this, args);
  };
  pg.Client.prototype.query = patched as typeof pg.Client.prototype.query;
}

/** A value as JSON would carry it, with Maps, model instances (toJSON), Dates and undefined kept distinguishable. */
function plain(value: unknown): unknown {
  if (value === undefined) return 'undefined';
  if (value instanceof Date) return `date:${value.toISOString()}`;
  if (value instanceof Map) return { map: [...value].map(([k, v]) => [plain(k), plain(v)]) };
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object') {
    const toJSON = (value as { toJSON?: () => unknown }).toJSON;
    if (typeof toJSON === 'function') {
      const json = toJSON.call(value);
      if (json !== value) return plain(json);
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

type Load = (...args: unknown[]) => Promise<unknown>;

/** The module's `load`, transpiled as the project's build would (CommonJS), requiring from the fixture's folder. */
function loadOf(source: string, fileName: string): Load {
  const js = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    fileName,
  }).outputText;
  const module = { exports: {} as { load?: Load } };
  new Function('module', 'exports', 'require', js)(module, module.exports, createRequire(fileName));
  assert.equal(typeof module.exports.load, 'function', `${fileName} exports load`);
  return module.exports.load as Load;
}

function applied(text: string, advice: OrmNPlusOneAdvice): string {
  let out = text;
  for (const e of [...advice.edits].sort((a, b) => b.range.start - a.range.start))
    out = out.slice(0, e.range.start) + e.newText + out.slice(e.range.end);
  return out;
}

/** Type errors of TypeScript files given as text (paths decide how their imports resolve). */
function typeErrors(files: Map<string, string>): string[] {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    strict: true,
    esModuleInterop: true,
    skipLibCheck: true,
    noEmit: true,
    types: ['node'],
    lib: ['lib.es2022.d.ts'],
    // The generated Prisma client imports its own files with their .ts extension.
    allowImportingTsExtensions: true,
  };
  const host = ts.createCompilerHost(options, true);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version, onError, create) => {
    const text = files.get(resolve(name));
    return text !== undefined ? ts.createSourceFile(name, text, version, true) : read(name, version, onError, create);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => files.has(resolve(name)) || fileExists(name);
  const program = ts.createProgram({ rootNames: [...files.keys()], options, host });
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file && files.has(resolve(d.file.fileName)))
    .map((d) => `${d.file?.fileName}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

interface OrmRun {
  /** Arguments of the fixture's load for this ORM. */
  args: unknown[];
  close: () => Promise<void>;
}

const figures: string[] = [];

describe('ORM N+1: each loop returns the same value before and after the fix, with its real ORM on the test server', function () {
  this.timeout(300_000);
  const runs = new Map<string, OrmRun>();
  let prismaDir: string | undefined;
  // Registered before the database's own hooks, so that every ORM's pool ends before the database is dropped.
  after(async () => {
    pg.Client.prototype.query = originalQuery;
    for (const run of runs.values()) await run.close().catch(() => undefined);
    if (prismaDir) rmSync(prismaDir, { recursive: true, force: true });
    if (figures.length > 0)
      console.log(`      round trips before → after the fix:\n${figures.map((f) => `        ${f}`).join('\n')}`);
  });

  const db = useRewriteDatabase('nplus1_orm', dataSql);

  before(async () => {
    db();
    countRoundTrips();
    const url = urlFor(await testServer(), `nplus1_orm_${process.pid}`);
    const k = knex({ client: 'pg', connection: url, pool: { min: 0, max: 2 } });
    runs.set('knex', { args: [k], close: () => k.destroy() });

    const pool = new pg.Pool({ connectionString: url, max: 2 });
    runs.set('drizzle', {
      args: [
        drizzle({ client: pool, schema: { users: drizzleSchema.users, orders: drizzleSchema.orders } }),
        () => undefined,
      ],
      close: () => pool.end(),
    });

    const dataSource = new DataSource({
      type: 'postgres',
      url,
      entities: [entities.UserEntity, entities.OrderEntity],
      synchronize: false,
      poolSize: 2,
    });
    await dataSource.initialize();
    runs.set('typeorm', { args: [dataSource], close: () => dataSource.destroy() });

    const sequelize = new Sequelize(url, { dialect: 'postgres', logging: false, pool: { max: 2 } });
    models.initSequelize(sequelize);
    runs.set('sequelize', { args: [], close: () => sequelize.close() });

    // Prisma: its client generated for these tables, inside node_modules so that it finds @prisma/client.
    prismaDir = join(repoRoot, 'node_modules', '.cache', `pg-tuner-orm-test-${process.pid}`);
    mkdirSync(prismaDir, { recursive: true });
    writeFileSync(join(prismaDir, 'schema.prisma'), prismaSchema);
    execFileSync(
      process.execPath,
      [
        join(repoRoot, 'node_modules', 'prisma', 'build', 'index.js'),
        'generate',
        '--schema',
        join(prismaDir, 'schema.prisma'),
      ],
      {
        cwd: repoRoot,
        env: {
          ...process.env,
          PRISMA_SCHEMA_ENGINE_BINARY: process.execPath,
          PRISMA_HIDE_UPDATE_MESSAGE: '1',
          CHECKPOINT_DISABLE: '1',
        },
        stdio: 'pipe',
      },
    );
    const { PrismaClient } = createRequire(join(prismaDir, 'x.js'))('./prisma/client') as {
      PrismaClient: new (o: object) => { $connect(): Promise<void>; $disconnect(): Promise<void> };
    };
    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: 2 }) });
    await prisma.$connect();
    runs.set('prisma', { args: [prisma], close: () => prisma.$disconnect() });
  });

  const all = readdirSync(fixtures).filter((f) => f.endsWith('.ts'));
  const editable = all.filter((f) => !/NoEdit/.test(f));
  const withoutEdit = all.filter((f) => /NoEdit/.test(f));
  const ormOf = (name: string): string => /^[a-z]+/.exec(name)?.[0] ?? '';

  it('the fixtures cover every ORM, with and without an edit', () => {
    assert.deepEqual([...new Set(editable.map(ormOf))].sort(), ['drizzle', 'knex', 'prisma', 'sequelize', 'typeorm']);
    assert.ok(withoutEdit.length >= 3);
  });

  for (const name of editable) {
    it(`${name}: the fixed code returns what the loop returned, with 2 round trips instead of 1 + N`, async () => {
      const path = join(fixtures, name);
      const text = readFileSync(path, 'utf8');
      const [advice, ...rest] = adviseOrmNPlusOne(text, path);
      assert.ok(advice, `the loop in ${name} is found`);
      assert.equal(rest.length, 0);
      assert.equal(advice.finding.orm, ormOf(name));
      assert.equal(advice.noEditReason, undefined);
      const fixed = applied(text, advice);
      assert.deepEqual(adviseOrmNPlusOne(fixed, path), [], `no query left in a loop:\n${fixed}`);
      const run = runs.get(ormOf(name));
      assert.ok(run);
      const measure = async (source: string): Promise<{ value: unknown; trips: number }> => {
        const load = loadOf(source, path);
        roundTrips = 0;
        counting = true;
        try {
          return { value: await load(...run.args), trips: roundTrips };
        } finally {
          counting = false;
        }
      };
      const before = await measure(text);
      const after = await measure(fixed);
      assert.deepStrictEqual(
        plain(after.value),
        plain(before.value),
        `returned value differs after the fix:\n${fixed}`,
      );
      assert.ok(JSON.stringify(plain(before.value)).length > 1000, 'rows came back');
      assert.ok(before.trips >= 20, `1 + N round trips before (${before.trips})`);
      assert.equal(after.trips, 2, 'the outer query and the batched one');
      figures.push(`${name}: ${before.trips} → ${after.trips}`);
    });
  }

  it('with no parents, each batched form returns no rows (an empty key list is valid in every ORM)', async () => {
    const none: number[] = [];
    const [k] = runs.get('knex')?.args as [ReturnType<typeof knex>];
    assert.deepEqual(await k('orders').whereIn('user_id', none), []);
    const [d] = runs.get('drizzle')?.args as [ReturnType<typeof drizzle>];
    assert.deepEqual(await d.select().from(drizzleSchema.orders).where(inArray(drizzleSchema.orders.userId, none)), []);
    const [source] = runs.get('typeorm')?.args as [DataSource];
    assert.deepEqual(await source.getRepository(entities.OrderEntity).findBy({ userId: In(none) }), []);
    assert.deepEqual(await models.Order.findAll({ where: { userId: { [Op.in]: none } } }), []);
    const [prisma] = runs.get('prisma')?.args as [{ order: { findMany(a: object): Promise<unknown[]> } }];
    assert.deepEqual(await prisma.order.findMany({ where: { userId: { in: none } } }), []);
  });

  it('the fixed fixtures type-check against the ORMs’ own declarations', () => {
    const files = new Map<string, string>();
    for (const name of editable) {
      const path = join(fixtures, name);
      const text = readFileSync(path, 'utf8');
      const [advice] = adviseOrmNPlusOne(text, path);
      files.set(join(fixtures, name.replace(/\.ts$/, '.fixed.ts')), applied(text, advice));
    }
    assert.deepEqual(typeErrors(files), []);
  });

  it('Prisma: recognised from the generated client’s types, and the fix type-checks against them', () => {
    assert.ok(prismaDir && existsSync(join(prismaDir, 'prisma', 'client.ts')), 'the client was generated');
    const files = new Map<string, string>();
    for (const name of editable.filter((n) => n.startsWith('prisma'))) {
      const path = join(prismaDir, name);
      const text = readFileSync(join(fixtures, name), 'utf8').replace(
        /import type \{ PrismaLike(, UserRow)? \} from '\.\/models\/prismaLike';/,
        (_m, user: string | undefined) =>
          `import type { PrismaClient as PrismaLike } from './prisma/client';${user ? "\nimport type { UserModel as UserRow } from './prisma/models';" : ''}`,
      );
      const [advice, ...rest] = adviseOrmNPlusOne(text, path);
      assert.ok(advice, name);
      assert.equal(rest.length, 0);
      assert.equal(advice.finding.recognisedBy, 'types', `${name}: recognised by the generated client's declarations`);
      assert.equal(advice.noEditReason, undefined);
      files.set(path, applied(text, advice));
    }
    assert.deepEqual(typeErrors(files), []);
  });

  it('each ORM call is told by its declarations (types), an array’s find is not an ORM call', () => {
    for (const name of editable.filter((n) => !n.startsWith('prisma'))) {
      const path = join(fixtures, name);
      const [advice] = adviseOrmNPlusOne(readFileSync(path, 'utf8'), path);
      assert.equal(advice.finding.recognisedBy, 'types', name);
    }
    const text = `
      export async function load(users: Array<{ id: number }>, orders: Array<{ userId: number }>) {
        const out = [];
        for (const user of users) out.push(orders.find((o) => o.userId === user.id));
        return out;
      }
      export async function byShape(users: Array<{ id: number }>, repo: { findOneBy(w: object): Promise<unknown> }) {
        for (const user of users) (user as { o?: unknown }).o = await repo.findOneBy({ userId: user.id });
      }`;
    const found = adviseOrmNPlusOne(text, join(fixtures, 'inline.ts'));
    assert.equal(found.length, 1, 'only the repository call');
    assert.equal(found[0].finding.orm, 'typeorm');
    assert.equal(found[0].finding.recognisedBy, 'syntax');
  });

  for (const name of withoutEdit) {
    it(`${name}: reported with why, and no edit`, () => {
      const path = join(fixtures, name);
      const [advice, ...rest] = adviseOrmNPlusOne(readFileSync(path, 'utf8'), path);
      assert.ok(advice, `the loop in ${name} is still reported`);
      assert.equal(rest.length, 0);
      assert.deepEqual(advice.edits, []);
      assert.match(advice.noEditReason ?? '', /^No code change: /);
    });
  }

  it('the editor’s quick fix carries the advice’s edits; a loop without an edit gets the reason and the batched call in the hover', () => {
    const path = join(fixtures, 'knexAssign.ts');
    const [advice] = adviseOrmNPlusOne(readFileSync(path, 'utf8'), path);
    const fix = ormNPlusOneFix(advice);
    assert.deepEqual(fix.edits, advice.edits);
    assert.match(fix.title, /knex query: one query for every user, grouped by user_id \(N → 1 round trips\)/);
    const limitPath = join(fixtures, 'knexNoEditLimit.ts');
    const [limited] = adviseOrmNPlusOne(readFileSync(limitPath, 'utf8'), limitPath);
    const hover = ormNPlusOneHoverText(limited);
    assert.ok(hover.some((p) => /\.limit\(\) applies per parent/.test(p.text ?? '')));
    assert.ok(!hover.some((p) => p.code !== undefined || /to adapt by hand/.test(p.text ?? '')), 'no batched form');
    const logPath = join(fixtures, 'drizzleNoEditLog.ts');
    const [logged] = adviseOrmNPlusOne(readFileSync(logPath, 'utf8'), logPath);
    assert.ok(
      ormNPlusOneHoverText(logged).some((p) => p.code?.includes('inArray(orders.userId, all.map((user) => user.id))')),
    );
  });

  it('the reasons name what the fix cannot keep', () => {
    const reason = (name: string): string =>
      adviseOrmNPlusOne(readFileSync(join(fixtures, name), 'utf8'), join(fixtures, name))[0]?.noEditReason ?? '';
    assert.match(reason('knexNoEditLimit.ts'), /\.limit\(\) applies per parent/);
    assert.match(reason('prismaNoEditTake.ts'), /`take` applies per parent/);
    assert.match(reason('drizzleNoEditLog.ts'), /does more than store each parent’s rows/);
    const caveats = (name: string): string =>
      adviseOrmNPlusOne(readFileSync(join(fixtures, name), 'utf8'), join(fixtures, name))[0]?.caveats.join(' ') ?? '';
    assert.match(caveats('drizzleNoEditLog.ts'), /Without an order, each parent's rows come in the database's order/);
    assert.match(
      caveats('typeormFindOneBy.ts'),
      /the row each parent gets is the database's pick in both forms \(unless id is unique\)/,
    );
    assert.doesNotMatch(caveats('knexFirst.ts'), /Without an order/);
    assert.doesNotMatch(caveats('prismaFindUnique.ts'), /Without an order/);
  });
});
