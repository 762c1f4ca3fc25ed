/**
 * What the TypeScript checker says about a file's ORM calls: the declaration a call resolves to names its package
 * (`node_modules/typeorm/…`, `drizzle-orm`, `sequelize`, `knex`, a Prisma client, generated or `@prisma/client`),
 * so `repo.find({ where })` on a TypeORM Repository is TypeORM's and `list.find(…)` on an array is nobody's. One
 * program over the file (its unsaved text), with its imports resolved from disk as Node resolves them; it is
 * built only for files with an ORM-shaped call in a loop, and reuses the previous program's unchanged files.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { ormOfModule, type Orm } from './ormCalls';

export interface OrmTypes {
  /** The call's ORM from its declaration; null: declared by something that is not an ORM; undefined: unknown. */
  ormOf(call: ts.CallExpression): Orm | null | undefined;
  /** Whether an expression's type is an array (read twice safely); undefined when the type is not known. */
  isArray(expr: ts.Expression): boolean | undefined;
  /** The program's view of the file (its nodes are the ones ormOf and isArray take). */
  file: ts.SourceFile;
}

let previous: ts.Program | undefined;
/** Declaration files parsed once per process (node_modules does not change under a running check). */
const parsed = new Map<string, ts.SourceFile>();

const options: ts.CompilerOptions = {
  allowJs: true,
  checkJs: false,
  noEmit: true,
  skipLibCheck: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  esModuleInterop: true,
  experimentalDecorators: true,
  strict: true,
  types: [],
  // No DOM: the ORMs' declarations need only the language's own.
  lib: ['lib.es2022.d.ts'],
};

/** The folder of TypeScript's lib files: beside this compiler, or the analysed project's `typescript` package. */
function libDirectory(fileName: string): string | undefined {
  const own = dirname(ts.getDefaultLibFilePath(options));
  if (ts.sys.fileExists(join(own, 'lib.es2022.d.ts'))) return own;
  try {
    const pkg = createRequire(fileName).resolve('typescript/package.json');
    const lib = join(dirname(pkg), 'lib');
    return ts.sys.fileExists(join(lib, 'lib.es2022.d.ts')) ? lib : undefined;
  } catch {
    return undefined;
  }
}

function cachedSourceFile(name: string, read: () => ts.SourceFile | undefined): ts.SourceFile | undefined {
  const hit = parsed.get(name);
  if (hit) return hit;
  const file = read();
  if (file && /\.d\.[cm]?ts$/.test(name)) parsed.set(name, file);
  return file;
}

/** A program over `fileName` holding `text`; undefined when the compiler cannot build one. */
export function ormTypes(fileName: string, text: string): OrmTypes | undefined {
  try {
    const host = ts.createCompilerHost(options, true);
    // Bundled (the CLI, the extension), the compiler has no lib files beside it: the project's own TypeScript has.
    const libDir = libDirectory(fileName);
    if (libDir) host.getDefaultLibLocation = () => libDir;
    else if (!ts.sys.fileExists(ts.getDefaultLibFilePath(options))) return undefined;
    const getSourceFile = host.getSourceFile.bind(host);
    const target = ts.sys.resolvePath(fileName);
    host.getSourceFile = (name, languageVersion, onError, shouldCreate) =>
      ts.sys.resolvePath(name) === target
        ? ts.createSourceFile(name, text, languageVersion, true)
        : cachedSourceFile(name, () => getSourceFile(name, languageVersion, onError, shouldCreate));
    host.getCurrentDirectory = () => dirname(target);
    const program = ts.createProgram({ rootNames: [target], options, host, oldProgram: previous });
    previous = program;
    const file = program.getSourceFile(target);
    if (!file) return undefined;
    const checker = program.getTypeChecker();
    return {
      file,
      ormOf(call) {
        const declaration = checker.getResolvedSignature(call)?.declaration;
        const path = declaration?.getSourceFile().fileName;
        if (!path) return undefined;
        const orm = ormOfModule(path.replace(/\\/g, '/'));
        if (orm) return orm;
        // A generated Prisma client declares each model's methods on `<Model>Delegate`.
        const owner = declaration.parent;
        if (
          (ts.isInterfaceDeclaration(owner) || ts.isClassDeclaration(owner)) &&
          /^[A-Z]\w*Delegate$/.test(owner.name?.text ?? '')
        )
          return 'prisma';
        // Declared in the standard library or another package (Array's find): not an ORM's call.
        if (/\/node_modules\/|\/typescript\/lib\/lib\.[^/]*\.d\.ts$/.test(path)) return null;
        // Declared in the project (an interface of its own): the call's shape decides.
        return undefined;
      },
      isArray(expr) {
        const type = checker.getTypeAtLocation(expr);
        if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return undefined;
        return checker.isArrayType(type) || checker.isTupleType(type);
      },
    };
  } catch {
    return undefined;
  }
}
