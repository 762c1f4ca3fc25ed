/**
 * The house layering rules, enforced by a test rather than by memory: the core and the webview never
 * import `vscode`; the webview imports only src/shared and its own libraries; src/shared holds contracts.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';

const root = resolve(__dirname, '../..');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|tsx|js|mjs)$/.test(name)) out.push(path);
  }
  return out;
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs: string[] = [];
  const re =
    /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;
  for (const m of text.matchAll(re)) specs.push(m[1] ?? m[2] ?? m[3] ?? m[4]);
  return specs;
}

describe('layers', () => {
  it('src/core never imports vscode', () => {
    const offenders = sourceFiles(join(root, 'src/core')).filter((f) => importsOf(f).includes('vscode'));
    assert.deepEqual(
      offenders.map((f) => relative(root, f)),
      [],
    );
  });

  it('webview imports only src/shared and its own libraries', () => {
    const offenders: string[] = [];
    for (const file of sourceFiles(join(root, 'webview'))) {
      for (const spec of importsOf(file)) {
        if (spec === 'vscode') offenders.push(`${relative(root, file)} → ${spec}`);
        if (spec.startsWith('.')) {
          const target = relative(root, resolve(dirname(file), spec));
          if (!target.startsWith('webview') && !target.startsWith(join('src', 'shared'))) {
            offenders.push(`${relative(root, file)} → ${spec}`);
          }
        }
      }
    }
    assert.deepEqual(offenders, []);
  });

  it('src/shared imports only types', () => {
    const offenders: string[] = [];
    for (const file of sourceFiles(join(root, 'src/shared'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^import\s+(?!type\b)[^;]*from\s*['"]([^'"]+)['"]/gm)) {
        offenders.push(`${relative(root, file)} → ${m[1]}`);
      }
    }
    assert.deepEqual(offenders, []);
  });

  it('no two folders of src/core import each other (the rooms depend one way)', () => {
    const core = join(root, 'src/core');
    const folderOf = (file: string): string => relative(core, file).split('/')[0].replace(/\.ts$/, '.');
    const edges = new Map<string, Set<string>>();
    for (const file of sourceFiles(core)) {
      const from = relative(core, file).includes('/') ? folderOf(file) : '.';
      for (const spec of importsOf(file).filter((s) => s.startsWith('.'))) {
        const target = resolve(dirname(file), spec);
        if (!target.startsWith(core)) continue;
        const to = relative(core, target).includes('/') ? folderOf(target) : '.';
        if (to !== from) edges.set(from, (edges.get(from) ?? new Set()).add(to));
      }
    }
    const mutual: string[] = [];
    for (const [a, targets] of edges)
      for (const b of targets) if (a < b && edges.get(b)?.has(a)) mutual.push(`${a} ↔ ${b}`);
    assert.deepEqual(mutual, []);
  });
});
