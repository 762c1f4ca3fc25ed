/** The command table and package.json must agree: every command declared, titled alike, hidden ones hidden. */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { commandCategory, commandSpecs } from '../../../src/extension/commandTable';

interface Manifest {
  activationEvents: string[];
  contributes: {
    commands: Array<{ command: string; title: string; category?: string }>;
    menus: Record<string, Array<{ command: string; when?: string }>>;
    keybindings: Array<{ command: string; key: string }>;
    configuration: { properties: Record<string, { scope?: string; markdownDescription?: string }> };
  };
}

const manifest = JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as Manifest;

describe('extension command table', () => {
  it('declares exactly the commands of the table, with the same titles and category', () => {
    const declared = manifest.contributes.commands.map((c) => ({
      id: c.command,
      title: c.title,
      category: c.category,
    }));
    const table = commandSpecs.map((s) => ({ id: s.id, title: s.title, category: commandCategory }));
    assert.deepEqual(
      [...declared].sort((a, b) => a.id.localeCompare(b.id)),
      [...table].sort((a, b) => a.id.localeCompare(b.id)),
    );
  });

  it('hides from the palette exactly the commands that need arguments', () => {
    const hidden = manifest.contributes.menus.commandPalette
      .filter((m) => m.when === 'false')
      .map((m) => m.command)
      .sort();
    assert.deepEqual(
      hidden,
      commandSpecs
        .filter((s) => !s.inPalette)
        .map((s) => s.id)
        .sort(),
    );
  });

  it('names only commands of the table in menus and keybindings', () => {
    const ids = new Set<string>(commandSpecs.map((s) => s.id));
    const named = [
      ...Object.values(manifest.contributes.menus).flatMap((entries) => entries.map((m) => m.command)),
      ...manifest.contributes.keybindings.map((k) => k.command),
    ];
    assert.ok(named.length > 5);
    assert.deepEqual(
      named.filter((id) => !ids.has(id)),
      [],
    );
  });

  it('puts Explain and Optimize in the editor context menu and on a keybinding', () => {
    const context = manifest.contributes.menus['editor/context'].find(
      (m) => m.command === 'pgTuner.explainAndOptimize',
    );
    assert.ok(context, 'editor/context entry');
    assert.match(context.when ?? '', /editorLangId == sql/);
    assert.match(context.when ?? '', /editorHasSelection/);
    assert.ok(manifest.contributes.keybindings.some((k) => k.command === 'pgTuner.explainAndOptimize'));
  });

  it('gives every setting the pgTuner prefix, a scope and a markdownDescription', () => {
    const props = Object.entries(manifest.contributes.configuration.properties);
    assert.ok(props.length >= 5);
    for (const [key, value] of props) {
      assert.match(key, /^pgTuner\./);
      assert.ok(value.scope, `${key} has a scope`);
      assert.ok(value.markdownDescription, `${key} has a markdownDescription`);
    }
  });

  it('activates lazily (no "*" or onStartupFinished)', () => {
    assert.ok(!manifest.activationEvents.includes('*'));
    assert.ok(!manifest.activationEvents.includes('onStartupFinished'));
  });
});
