import { strict as assert } from 'node:assert';
import {
  connectionSuggestions,
  parseConnectionUrl,
  parseDotEnv,
} from '../../../src/extension/connections/connectionSuggestions';
import { sanitizeConnections } from '../../../src/extension/settings';
import { parameterLabels } from '../../../src/extension/explain/parameterLabels';
import { rewriteNamedParameters } from '../../../src/core/sql/namedParameters';
import { userMessageFor } from '../../../src/extension/errorMessages';
import { TunerError } from '../../../src/core/errors';

describe('connection settings and suggestions', () => {
  it('parses .env files as dotenv writes them', () => {
    const env = parseDotEnv(
      `# comment\nexport DATABASE_URL="postgres://app:s%40cret@db.local:6543/shop?sslmode=require"\nOTHER='x y' \nBARE=1 # note\n`,
    );
    assert.equal(env.DATABASE_URL, 'postgres://app:s%40cret@db.local:6543/shop?sslmode=require');
    assert.equal(env.OTHER, 'x y');
    assert.equal(env.BARE, '1');
  });

  it('turns a DATABASE_URL into a setting and keeps the password apart', () => {
    const parsed = parseConnectionUrl('postgresql://app:s%40cret@db.local:6543/shop?sslmode=require', 'x');
    assert.deepEqual(parsed, {
      setting: { label: 'x', host: 'db.local', port: 6543, database: 'shop', user: 'app', sslmode: 'require' },
      password: 's@cret',
    });
    assert.equal(parseConnectionUrl('mysql://a@b/c', 'x'), undefined);
    assert.equal(parseConnectionUrl('not a url', 'x'), undefined);
  });

  it('suggests .env, DATABASE_URL and PG* variables, minus labels already configured', () => {
    const suggestions = connectionSuggestions(
      { PGHOST: 'h', PGUSER: 'u', PGDATABASE: 'd', PGPASSWORD: 'p', PGPORT: '5433' },
      'DATABASE_URL=postgres://a@b/c',
    );
    assert.deepEqual(
      suggestions.map((s) => s.source),
      ['.env DATABASE_URL', 'PG* environment variables'],
    );
    assert.equal(suggestions[1].setting.port, 5433);
    assert.equal(suggestions[1].password, 'p');
    assert.equal(
      connectionSuggestions({ PGHOST: 'h', PGUSER: 'u', PGDATABASE: 'd' }, undefined, new Set(['u@h/d'])).length,
      0,
    );
  });

  it('keeps only well-formed connections from hand-edited settings', () => {
    const list = sanitizeConnections([
      { label: 'a', port: '5432', sslmode: 'bogus' },
      { host: 'no label' },
      { label: 'a' },
      'x',
      { label: 'b', production: true },
    ]);
    assert.deepEqual(
      list.map((c) => [c.label, c.port, c.sslmode, c.production]),
      [
        ['a', undefined, undefined, false],
        ['b', undefined, undefined, true],
      ],
    );
    // libpq's six sslmode values are kept as written (verify-ca and allow used to be bent to others).
    const modes = sanitizeConnections(['allow', 'verify-ca', 'prefer'].map((sslmode) => ({ label: sslmode, sslmode })));
    assert.deepEqual(
      modes.map((c) => c.sslmode),
      ['allow', 'verify-ca', 'prefer'],
    );
    assert.equal(parseConnectionUrl('postgres://a@b/c?sslmode=verify-ca', 'x')?.setting.sslmode, 'verify-ca');
  });

  it('asks for $n parameters, then :name ones, in $n order', () => {
    assert.deepEqual(
      parameterLabels(
        rewriteNamedParameters('SELECT * FROM t WHERE a = $2 AND b = :name AND c::text = :other AND d = :name'),
      ),
      ['$1', '$2', ':name', ':other'],
    );
    assert.deepEqual(parameterLabels(rewriteNamedParameters("SELECT ':x', now()::date")), []);
  });

  it('words failures as one actionable sentence with the connection', () => {
    const msg = userMessageFor(new TunerError('connection-failed', 'connect ECONNREFUSED 127.0.0.1:5999'), {
      action: 'Explain and Optimize',
      connection: 'staging',
    });
    assert.match(msg, /^Could not connect on staging: connect ECONNREFUSED 127\.0\.0\.1:5999\. Check host/);
    assert.match(
      userMessageFor(new TunerError('syntax-error', 'syntax error at or near "FORM"', { offset: 9 }), { action: 'x' }),
      /syntax error at or near "FORM"\. Fix it/,
    );
    assert.doesNotMatch(userMessageFor(new Error('boom\n    at stack'), { action: 'x' }), /at stack/);
  });
});
