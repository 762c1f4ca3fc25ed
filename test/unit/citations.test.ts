/**
 * What the code, the tests, the scripts and the docs cite must be in this repository: a contributor who clones
 * it alone has nothing beside it. Two rules, checked over every source and document file: nothing refers to
 * the `shared/` folder some machines have beside the repository (the end-to-end harness once ran its scripts),
 * and every mention of the cases document names `docs/cases.md` and a case that document holds.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const root = resolve(__dirname, '../..');
const scanned = [
  'src',
  'test',
  'bench',
  'scripts',
  'webview',
  'docs',
  '.ci',
  'README.md',
  'CHANGELOG.md',
  'package.json',
  '.mocharc.json',
];

function files(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path).flatMap((name) => (name === 'node_modules' ? [] : files(join(path, name))));
}

const texts = scanned
  .flatMap((p) => files(join(root, p)))
  .filter((f) => /\.(ts|tsx|js|mjs|cjs|json|md|sh|sql)$/.test(f) || f.endsWith(`${sep}run`))
  .map((file) => ({ file, rel: relative(root, file), text: readFileSync(file, 'utf8') }));

describe('citations stay inside the repository', () => {
  it('scans the sources and documents', () => {
    assert.ok(texts.length > 100, `only ${texts.length} files scanned`);
  });

  it('nothing refers to the shared/ folder that sits beside the repository on some machines', () => {
    const offenders: string[] = [];
    for (const { file, rel, text } of texts) {
      if (file === __filename) continue;
      // `../shared` is fine where it reaches our own src/shared (imports); anywhere else it means the sibling.
      for (const m of text.matchAll(/(?<![\w.])((?:\.\.\/)+)shared\b/g)) {
        const target = resolve(dirname(file), m[1], 'shared');
        if (!(target.startsWith(root + sep) && existsSync(target))) offenders.push(`${rel}: ${m[0]}`);
      }
      for (const m of text.matchAll(/\bshared\/(?:vscode-web|cases\.md)/g)) offenders.push(`${rel}: ${m[0]}`);
    }
    assert.deepEqual(offenders, []);
  });

  it('every mention of the cases document is docs/cases.md with a case it holds', () => {
    const casesFile = join(root, 'docs/cases.md');
    assert.ok(existsSync(casesFile), 'docs/cases.md exists');
    const held = new Set([...readFileSync(casesFile, 'utf8').matchAll(/^## (\d+)\. /gm)].map((m) => Number(m[1])));
    const offenders: string[] = [];
    for (const { file, rel, text } of texts) {
      if (file === casesFile || file === __filename) continue;
      for (const m of text.matchAll(/(\S*)cases\.md\S*(?:,? case (\d+))?/g)) {
        // Inside docs/ a relative link to the neighbour file is the same document.
        const named =
          m[1].endsWith('docs/') ||
          m[0].includes('(docs/cases.md)') ||
          (rel.startsWith(`docs${sep}`) && /\(cases\.md\)/.test(m[0]));
        if (!named) offenders.push(`${rel}: "${m[0]}" does not name docs/cases.md`);
        if (m[2] !== undefined && !held.has(Number(m[2])))
          offenders.push(`${rel}: case ${m[2]} is not in docs/cases.md`);
      }
    }
    assert.deepEqual(offenders, []);
  });
});
