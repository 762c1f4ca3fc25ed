import { strict as assert } from 'node:assert';
import { openEmbeddedDatabase } from '../../../src/core/db/embeddedDatabase';
import { TunerError } from '../../../src/core/errors';
import { logEntriesFor } from '../../../src/extension/errorMessages';

/** What the output channel gets for a failure (issue 13: user mistakes were logged with stack traces). */
describe('failures in the output channel', () => {
  it('a mistake in a schema file is one line naming file, line and message, without a stack', async () => {
    const err = await openEmbeddedDatabase([
      { path: 'schema/001.sql', text: 'CREATE TABLE t (id int);\nCREATE TABL u (id int);' },
    ]).then(
      () => assert.fail('the broken file loaded'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof TunerError && err.reason === 'bad-input');
    // The real PGlite error under it carries a stack: it must not reach the log.
    assert.ok(err.detail.cause instanceof Error && err.detail.cause.stack);
    const entries = logEntriesFor('Explain and Optimize', err);
    assert.equal(entries.length, 1, JSON.stringify(entries));
    assert.equal(entries[0].level, 'error');
    assert.match(entries[0].text, /^Explain and Optimize: \[bad-input\] schema\/001\.sql \(line 2\): syntax error/);
    assert.doesNotMatch(entries[0].text, /\n\s+at /);
  });

  it('a rejected password and a statement that does not parse are one line each', () => {
    for (const err of [
      new TunerError('authentication-failed', 'password authentication failed for user "app"', {
        code: '28P01',
        cause: new Error('from pg'),
      }),
      new TunerError('syntax-error', 'syntax error at or near "WHER"', { code: '42601', offset: 27 }),
    ]) {
      const entries = logEntriesFor('Explain and Optimize', err);
      assert.deepEqual(
        entries.map((e) => e.level),
        ['error'],
      );
      assert.doesNotMatch(entries[0].text, /\n/);
    }
  });

  it('an unexpected error keeps its stack; a connection failure keeps its cause at debug level', () => {
    let unexpected: unknown;
    try {
      JSON.parse('{');
    } catch (e) {
      unexpected = e;
    }
    const [bug] = logEntriesFor('Open Plan from File', unexpected);
    assert.equal(bug.level, 'error');
    assert.match(bug.text, /SyntaxError[\s\S]*\n\s+at /);
    const refused = logEntriesFor(
      'Explain and Optimize',
      new TunerError('connection-failed', 'connect ECONNREFUSED 127.0.0.1:1', { cause: new Error('ECONNREFUSED') }),
    );
    assert.deepEqual(
      refused.map((e) => e.level),
      ['error', 'debug', 'debug'],
    );
    assert.doesNotMatch(refused[0].text, /\n/);
  });
});
