// Bundles the extension host, the CLI and the webview with esbuild, and puts the WASM files that
// libpg-query and PGlite load at run time next to the Node bundles (they look beside the script).
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const production = process.argv.includes('--production');
const out = 'dist';
mkdirSync(out, { recursive: true });

// The TypeScript compiler (for finding SQL and N+1 loops in .ts/.js files) is 3–4 MB: it goes into a bundle of
// its own, loaded on first use, so that activating the extension does not compile it.
const typescriptApart = {
  name: 'typescript-apart',
  setup(b) {
    b.onResolve({ filter: /^typescript$/ }, () => ({ path: './typescript.js', external: true }));
  },
};

// The extension's entry (dist/extension.js) is what VS Code loads to activate it: it holds the command ids and
// loads the rest (dist/tuner.js) on first use, so VS Code's activation time covers a few kB, not 1 MB.
const tunerApart = {
  name: 'tuner-apart',
  setup(b) {
    b.onResolve({ filter: /^\.\/tuner$/ }, (args) =>
      args.importer.endsWith(join('src', 'extension', 'extension.ts'))
        ? { path: './tuner.js', external: true }
        : undefined,
    );
  },
};

const nodeCommon = {
  plugins: [typescriptApart],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: !production,
  minify: production,
  external: ['vscode', 'pg-native'],
  logLevel: 'warning',
};

const builds = [];
if (existsSync('src/extension/extension.ts')) {
  builds.push(
    build({
      ...nodeCommon,
      plugins: [typescriptApart, tunerApart],
      // import('./tuner') as require(): VS Code's extension host provides `vscode` to required modules.
      supported: { 'dynamic-import': false },
      entryPoints: ['src/extension/extension.ts'],
      outfile: join(out, 'extension.js'),
    }),
    build({ ...nodeCommon, entryPoints: ['src/extension/tuner.ts'], outfile: join(out, 'tuner.js') }),
    // The embedded database's thread (src/core/db/pgliteThread.ts): PGlite's WASM work off the host's.
    build({ ...nodeCommon, entryPoints: ['src/core/db/pgliteWorker.ts'], outfile: join(out, 'pgliteWorker.js') }),
    // The ORM N+1 finder's thread (src/extension/advice/ormFinderThread.ts): its TypeScript program off the host's.
    build({
      ...nodeCommon,
      entryPoints: ['src/extension/advice/ormNPlusOneWorker.ts'],
      outfile: join(out, 'ormNPlusOneWorker.js'),
    }),
  );
}
if (existsSync('src/cli/main.ts')) {
  builds.push(
    build({
      ...nodeCommon,
      entryPoints: ['src/cli/main.ts'],
      outfile: join(out, 'cli.js'),
      banner: { js: '#!/usr/bin/env node' },
    }),
  );
}
if (existsSync('webview/main.ts')) {
  builds.push(
    build({
      bundle: true,
      platform: 'browser',
      format: 'iife',
      target: 'es2022',
      sourcemap: !production,
      minify: production,
      entryPoints: ['webview/main.ts'],
      outfile: join(out, 'webview.js'),
      logLevel: 'warning',
    }),
  );
}
builds.push(
  build({
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minify: true,
    entryPoints: [require.resolve('typescript')],
    outfile: join(out, 'typescript.js'),
    logLevel: 'warning',
  }),
);
await Promise.all(builds);

const libpgQueryDir = dirname(require.resolve('libpg-query'));
copyFileSync(join(libpgQueryDir, 'libpg-query.wasm'), join(out, 'libpg-query.wasm'));
const pgliteDir = dirname(require.resolve('@electric-sql/pglite'));
for (const file of ['pglite.wasm', 'pglite.data', 'initdb.wasm']) {
  copyFileSync(join(pgliteDir, file), join(out, file));
}

// PGlite's initdb takes 4–9 s of the embedded database's start on 2 cores (issue 13: the first plan waited
// 23 s); a data directory it initialised here, shipped gzipped (~4.5 MB), loads in about 1 s. Made again when
// PGlite changes; the extension falls back to initdb without it (tests run from source).
const datadir = join(out, 'pglite-datadir.tar.gz');
const pgliteVersion = JSON.parse(readFileSync(join(pgliteDir, '../package.json'), 'utf8')).version;
const datadirStamp = join(out, 'pglite-datadir.version');
if (!existsSync(datadir) || !existsSync(datadirStamp) || readFileSync(datadirStamp, 'utf8') !== pgliteVersion) {
  const { PGlite } = await import('@electric-sql/pglite');
  const db = await PGlite.create();
  const dump = await db.dumpDataDir('gzip');
  await db.close();
  writeFileSync(datadir, Buffer.from(await dump.arrayBuffer()));
  writeFileSync(datadirStamp, pgliteVersion);
}
