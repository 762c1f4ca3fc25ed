/**
 * Agent mode's tools in a real VS Code (code-server 1.100): the extension registers each tool it declares in
 * package.json `languageModelTools` with vscode.lm.registerTool at activation, and VS Code lists them in
 * vscode.lm.tools. The extension logs both lists once its body has loaded; this reads that line. (code-server has
 * no chat model to call them: their work is the MCP server's, tested in test/unit/cli/mcp.test.ts.)
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { languageModelToolNames } from '../../src/extension/agent/toolNames';
import { repoRoot, useEditor } from './codeServer';

describe('VS Code language-model tools (code-server)', function () {
  this.timeout(600_000);
  const ed = useEditor({ name: 'lm-tools' });

  it('declares every tool in package.json and registers it, and VS Code lists it', async () => {
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
      contributes: { languageModelTools: Array<{ name: string; inputSchema: object }> };
    };
    assert.deepEqual(
      manifest.contributes.languageModelTools.map((t) => t.name),
      [...languageModelToolNames],
    );
    await ed.openFile('queries.sql', 'LIMIT 100');
    const line = await ed.waitForLog(/language-model tools registered: .*; vscode\.lm\.tools lists: .*/, 60_000);
    const [, registered, listed] = /registered: (.*); vscode\.lm\.tools lists: (.*)$/.exec(line) ?? [];
    assert.deepEqual(registered?.split(', '), [...languageModelToolNames], line);
    assert.deepEqual(listed?.split(', ').sort(), [...languageModelToolNames].sort(), line);
  });
});
