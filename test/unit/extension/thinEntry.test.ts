/**
 * VS Code's activation time is loading dist/extension.js plus activate(): the entry must stay small and leave
 * everything else to dist/tuner.js, which it loads after activation. Bundles the entry as scripts/build.mjs
 * does (./tuner external) and checks what it holds.
 */
import { strict as assert } from 'node:assert';
import { join, relative, resolve } from 'node:path';
import { build } from 'esbuild';

const repoRoot = resolve(__dirname, '../../..');

describe('extension entry bundle', () => {
  it('holds only the command table, the view type and the language-model tool names; the rest is loaded from ./tuner.js', async () => {
    const out = await build({
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      write: false,
      metafile: true,
      minify: true,
      external: ['vscode'],
      supported: { 'dynamic-import': false },
      entryPoints: [join(repoRoot, 'src/extension/extension.ts')],
      outfile: join(repoRoot, 'dist-test/extension.js'),
      plugins: [
        {
          name: 'tuner-apart',
          setup: (b) => b.onResolve({ filter: /^\.\/tuner$/ }, () => ({ path: './tuner.js', external: true })),
        },
      ],
      logLevel: 'silent',
    });
    const inputs = Object.keys(out.metafile.inputs)
      .map((p) => relative(repoRoot, resolve(p)).replace(/\\/g, '/'))
      .sort();
    assert.deepEqual(inputs, [
      'src/extension/agent/toolNames.ts',
      'src/extension/commandTable.ts',
      'src/extension/extension.ts',
      'src/extension/panel/planViewType.ts',
    ]);
    const text = out.outputFiles[0].text;
    assert.match(
      text,
      /require\("\.\/tuner\.js"\)/,
      'loads the rest with require (the extension host provides vscode to it)',
    );
    assert.ok(text.length < 10_000, `entry is ${text.length} bytes`);
  });
});
