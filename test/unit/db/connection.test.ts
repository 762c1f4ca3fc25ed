/**
 * Reaching a server: URL checks, libpq's sslmode meanings, a missing password, and the client-side bound on
 * every wait, all against the real test server (password authentication, no TLS). A silent network drop is an
 * in-process TCP proxy that stops forwarding without closing anything.
 */
import { strict as assert } from 'node:assert';
import { testServer } from '../../helpers/globalServer';
import { startSilentProxy, type SilentProxy } from '../../helpers/silentProxy';
import { buildBundles, repoRoot, runCli } from '../../helpers/cliBundle';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PgSession } from '../../../src/core/db/pgSession';
import { openSession } from '../../../src/core/db/openSession';
import { clientFailureCodes } from '../../../src/core/db/databaseErrors';
import {
  AnswerBound,
  answerMarginMs,
  parseServerUrl,
  planConnection,
  redactUrl,
  sslModes,
} from '../../../src/core/db/connectionConfig';
import { userMessageFor } from '../../../src/extension/errorMessages';
import { rejection } from './explainBehaviour';

const secret = 'never-shown-pw';

/** Runs `work` with PGPASSWORD and PGSSLMODE unset, as a user without them has it. */
async function withoutPasswordEnv<T>(work: () => Promise<T>): Promise<T> {
  const saved = { PGPASSWORD: process.env.PGPASSWORD, PGSSLMODE: process.env.PGSSLMODE };
  delete process.env.PGPASSWORD;
  delete process.env.PGSSLMODE;
  try {
    return await work();
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v !== undefined) process.env[k] = v;
  }
}

describe('Connections (real server): URLs, sslmode, passwords', () => {
  it('refuses a non-PostgreSQL URL scheme instead of reading it as port 5432, without echoing the password', async () => {
    const s = await testServer();
    const err = await rejection(
      openSession({ kind: 'server', connectionString: `mysql://tuner:${secret}@127.0.0.1:${s.port}/postgres` }),
    );
    assert.equal(err.reason, 'bad-input');
    assert.match(err.message, /mysql: URL; a PostgreSQL URL starts with postgres:\/\/ or postgresql:\/\//);
    assert.doesNotMatch(err.message, new RegExp(secret));
    assert.match(err.message, /tuner:\*\*\*@127\.0\.0\.1/);
  });

  it('names a malformed URL (bad port, broken host, no scheme, key=value) without its password', async () => {
    const s = await testServer();
    const cases = [
      `postgres://tuner:${secret}@127.0.0.1:99999/postgres`,
      `postgres://tuner:${secret}@[127.0.0.1/postgres`,
      `tuner:${secret}@127.0.0.1:${s.port}/postgres`,
      `host=127.0.0.1 port=${s.port} password=${secret}`,
      `postgres://tuner@127.0.0.1:${s.port}/postgres?sslmode=sometimes&password=${secret}`,
    ];
    for (const url of cases) {
      const err = await rejection(openSession({ kind: 'server', connectionString: url }));
      assert.equal(err.reason, 'bad-input', url);
      assert.doesNotMatch(err.message, new RegExp(secret), url);
      assert.match(err.message, /postgres:\/\/user:password@host:port\/database|libpq's values/, url);
    }
  });

  it('redacts the password of any URL-like text, and keeps the rest', () => {
    assert.equal(redactUrl('postgres://u:p@ss:w/rd@h:5/db?x=1'), 'postgres://u:***@h:5/db?x=1');
    assert.equal(redactUrl('postgres://u@h/db?password=p'), 'postgres://u@h/db?password=***');
    assert.equal(redactUrl('postgres://h:5/db'), 'postgres://h:5/db');
  });

  it('says a password is needed, and where to give it, when the server asks for one and none was given', async () => {
    const s = await testServer();
    const err = await withoutPasswordEnv(() =>
      rejection(openSession({ kind: 'server', connectionString: `postgres://${s.user}@127.0.0.1:${s.port}/postgres` })),
    );
    assert.equal(err.reason, 'authentication-failed');
    assert.equal(err.detail.code, clientFailureCodes.noPassword);
    assert.match(err.message, /asks for a password \(SCRAM-SHA-256\) and none was given/);
    // The extension names its own places: passwordEnv or the prompt.
    assert.match(userMessageFor(err, { action: 'Explain', connection: 'local' }), /passwordEnv.*prompt/);
  });

  it('sslmode=require against a server without TLS says so, with what to use instead (no pg deprecation warning)', async () => {
    const s = await testServer();
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      const err = await rejection(openSession({ kind: 'server', connectionString: `${s.url}?sslmode=require` }));
      assert.equal(err.reason, 'connection-failed');
      assert.equal(err.detail.code, clientFailureCodes.tlsRefused);
      assert.match(
        err.message,
        /does not accept TLS connections, and sslmode=require requires TLS\. Use sslmode=prefer/,
      );
      // The settings field wins over the URL, and PGSSLMODE is read as libpq reads it.
      const fromField = await rejection(
        openSession({ kind: 'server', connectionString: s.url, sslmode: 'verify-full' }),
      );
      assert.match(fromField.message, /sslmode=verify-full requires TLS/);
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(
        warnings.filter((w) => /sslmode|SSL modes/i.test(w)),
        [],
      );
    } finally {
      process.removeListener('warning', onWarning);
    }
  });

  it("sslmode=prefer (libpq: TLS first, then unencrypted) connects to a server without TLS; so do libpq's default and allow", async () => {
    const s = await testServer();
    for (const suffix of ['?sslmode=prefer', '', '?sslmode=allow', '?sslmode=disable']) {
      const lines: string[] = [];
      const session = await withoutPasswordEnv(() =>
        PgSession.connect({ connectionString: `${s.url}${suffix}`, log: (l) => lines.push(l) }),
      );
      try {
        const rows = await session.query<{ ssl: boolean }>(
          'SELECT ssl FROM pg_catalog.pg_stat_ssl WHERE pid = pg_catalog.pg_backend_pid()',
        );
        assert.equal(rows[0].ssl, false, suffix);
        assert.match(lines.join('\n'), /no TLS/, suffix);
      } finally {
        await session.close();
      }
    }
    // What each mode tries, in libpq's order.
    const plan = (sslmode: 'prefer' | 'allow' | 'require' | 'verify-ca' | 'disable') =>
      planConnection(
        { connectionString: s.url, sslmode },
        { env: {}, connectTimeoutMs: 1000, applicationName: 't' },
      ).attempts.map((a) => a.ssl);
    assert.deepEqual(plan('prefer'), [{ rejectUnauthorized: false }, false]);
    assert.deepEqual(plan('allow'), [false, { rejectUnauthorized: false }]);
    assert.deepEqual(plan('require'), [{ rejectUnauthorized: false }]);
    assert.equal(plan('verify-ca').length, 1);
    assert.equal(typeof (plan('verify-ca')[0] as { checkServerIdentity?: unknown }).checkServerIdentity, 'function');
    assert.deepEqual(plan('disable'), [false]);
    // Every connection keeps TCP keep-alive on and a connect bound.
    const [first] = planConnection(
      { connectionString: s.url },
      { env: {}, connectTimeoutMs: 1234, applicationName: 't' },
    ).attempts;
    assert.equal(first.keepAlive, true);
    assert.equal(first.connectionTimeoutMillis, 1234);
    assert.equal(parseServerUrl(`${s.url}?sslmode=require&application_name=x`).tls.sslmode, 'require');
  });

  it("the extension's sslmode setting offers libpq's six modes and says what each means", () => {
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
      contributes: {
        configuration: {
          properties: Record<
            string,
            {
              items?: {
                properties: Record<string, { enum?: string[]; markdownDescription?: string; default?: string }>;
              };
            }
          >;
        };
      };
    };
    const sslmode = manifest.contributes.configuration.properties['pgTuner.connections'].items?.properties.sslmode;
    assert.deepEqual(sslmode?.enum, [...sslModes]);
    assert.equal(sslmode?.default, 'prefer');
    for (const mode of sslModes) assert.match(sslmode?.markdownDescription ?? '', new RegExp(`\`${mode}\``));
    assert.match(
      sslmode?.markdownDescription ?? '',
      /`prefer` \(default\) TLS when the server offers it, else unencrypted/,
    );
  });

  it('waits for an answer a little longer than the statement_timeout in force, and without limit only for 0', () => {
    const bound = new AnswerBound(30_000);
    assert.equal(bound.ms(), 30_000 + answerMarginMs);
    bound.note('BEGIN READ ONLY /* t */; SET LOCAL statement_timeout = 2000 /* t */; SET LOCAL lock_timeout = 100');
    assert.equal(bound.ms(), 2000 + answerMarginMs);
    // A user's statement (always EXPLAIN …) cannot move the bound, whatever its text holds.
    bound.note("EXPLAIN (ANALYZE) SELECT 'statement_timeout = 0'");
    assert.equal(bound.ms(), 2000 + answerMarginMs);
    bound.note('ROLLBACK');
    assert.equal(bound.ms(), 30_000 + answerMarginMs);
    bound.note('BEGIN');
    bound.note('SET LOCAL statement_timeout = 0');
    assert.equal(bound.ms(), undefined);
    bound.note('ROLLBACK');
    assert.equal(bound.ms(), 30_000 + answerMarginMs);
  });
});

describe('Connections (real server): a silent network drop during an explain', () => {
  let proxy: SilentProxy | undefined;
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });

  it('fails within statement timeout + 5 s with a clear message, closes the connection, and says so on the next call', async () => {
    const s = await testServer();
    proxy = await startSilentProxy('127.0.0.1', s.port);
    let brokenCalls = 0;
    const session = await openSession(
      {
        kind: 'server',
        connectionString: `postgres://${s.user}:${encodeURIComponent(s.password)}@127.0.0.1:${proxy.port}/postgres`,
      },
      { onBroken: () => brokenCalls++ },
    );
    try {
      proxy.silentAfter('silent_drop_marker');
      const timeoutMs = 2000;
      const started = Date.now();
      const err = await rejection(
        session.explain({
          sql: 'SELECT pg_sleep(30) AS silent_drop_marker',
          analyze: true,
          statementTimeoutMs: timeoutMs,
        }),
      );
      const elapsed = Date.now() - started;
      assert.equal(err.reason, 'connection-failed');
      assert.equal(err.detail.code, clientFailureCodes.noAnswer);
      assert.match(
        err.message,
        /^No answer from .+ for 5 s; the connection was closed — the server's statement_timeout ends the statement there, unless .* pg_stat_activity shows it\.$/,
      );
      // A bound on a hang, not a speed figure: without one this call never returns.
      assert.ok(elapsed <= timeoutMs + 5000, `failed after ${elapsed} ms`);
      assert.equal(brokenCalls, 1);
      const next = await rejection(session.explain({ sql: 'SELECT 1', analyze: false }));
      assert.equal(next.detail.code, clientFailureCodes.noAnswer);
      assert.match(userMessageFor(err, { action: 'Explain', connection: 'x' }), /Run the command again to reconnect/);
    } finally {
      const closing = Date.now();
      await session.close();
      assert.ok(Date.now() - closing < 3000, 'close() of a silent connection is bounded too');
    }
  });

  it('a connect to a silent server ends at the connect timeout with a message', async () => {
    const s = await testServer();
    proxy = await startSilentProxy('127.0.0.1', s.port);
    proxy.goSilent();
    const started = Date.now();
    const err = await rejection(
      openSession(
        { kind: 'server', connectionString: `${s.url.replace(`:${s.port}/`, `:${proxy.port}/`)}?sslmode=disable` },
        { connectTimeoutMs: 1500 },
      ),
    );
    assert.ok(Date.now() - started < 1500 + 5000);
    assert.equal(err.reason, 'connection-failed');
    assert.match(err.message, /within 1\.5 s: no answer/);
  });
});

describe('Connections (real server): a thread held by other work is not a server that does not answer', () => {
  /** Holds the thread in bursts of `burstMs`, `bursts` times, a turn of the loop apart (as PGlite loading a schema does). */
  function holdThread(bursts: number, burstMs: number): Promise<void> {
    return new Promise((resolve) => {
      let left = bursts;
      const burst = (): void => {
        const until = performance.now() + burstMs;
        while (performance.now() < until) {
          // Busy: nothing else of this process runs meanwhile.
        }
        if (--left > 0) setImmediate(burst);
        else resolve();
      };
      setImmediate(burst);
    });
  }

  it('connects and answers although the thread was held for longer than the connect and answer bounds', async () => {
    const s = await testServer();
    // 3 bursts of 1.2 s: 3.6 s held, over twice the 1.5 s connect bound (a plain timer failed the connect).
    const held = holdThread(3, 1200);
    const session = await openSession(
      { kind: 'server', connectionString: `${s.url}?sslmode=disable` },
      { connectTimeoutMs: 1500, ownScans: false },
    );
    await held;
    try {
      // The answer bound is statement_timeout + 3 s: held for 6 s in bursts, the answer still counts.
      const holding = holdThread(4, 1500);
      const result = await session.explain({ sql: 'SELECT 1', analyze: true, statementTimeoutMs: 1000 });
      await holding;
      assert.ok(result.planJson, 'the plan came back');
    } finally {
      await session.close();
    }
  });
});

describe('Connections through the CLI bundle (real server)', function () {
  this.timeout(180_000);
  let proxy: SilentProxy | undefined;
  before(() => buildBundles());
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });

  it('a silent drop during `explain --timeout 2000` ends the run with the clear message', async () => {
    const s = await testServer();
    proxy = await startSilentProxy('127.0.0.1', s.port);
    proxy.silentAfter('silent_drop_marker');
    const url = `postgres://${s.user}:${encodeURIComponent(s.password)}@127.0.0.1:${proxy.port}/postgres`;
    const started = Date.now();
    const run = await runCli([
      'explain',
      'SELECT pg_sleep(30) AS silent_drop_marker',
      '--url',
      url,
      '--timeout',
      '2000',
    ]);
    const elapsed = Date.now() - started;
    assert.notEqual(run.code, 0);
    assert.match(
      run.stderr,
      /No answer from .+ for 5 s; the connection was closed — the server's statement_timeout ends the statement there, unless /,
    );
    // Node's start and the parser's load come on top of the bound (timeout + 3 s margin).
    assert.ok(elapsed < 2000 + 5000 + 5000, `the CLI ended after ${elapsed} ms`);
  });

  it('prints no driver deprecation warning for sslmode=require, a clear message instead; scheme and password messages too', async () => {
    const s = await testServer();
    const require = await runCli(['explain', 'SELECT 1', '--url', `${s.url}?sslmode=require`]);
    assert.notEqual(require.code, 0);
    assert.doesNotMatch(require.stderr, /deprecat|SECURITY WARNING|Warning/i);
    assert.match(require.stderr, /does not accept TLS connections, and sslmode=require requires TLS/);

    const prefer = await runCli(['explain', 'SELECT 1', '--url', `${s.url}?sslmode=prefer`, '--json']);
    assert.equal(prefer.code, 0, prefer.stderr);
    assert.doesNotMatch(prefer.stderr, /deprecat|Warning/i);

    const scheme = await runCli([
      'explain',
      'SELECT 1',
      '--url',
      `mysql://tuner:${secret}@127.0.0.1:${s.port}/postgres`,
    ]);
    assert.notEqual(scheme.code, 0);
    assert.match(scheme.stderr, /mysql: URL; a PostgreSQL URL starts with postgres:\/\//);
    assert.doesNotMatch(scheme.stderr, new RegExp(secret));

    const noPassword = await runCli([
      'explain',
      'SELECT 1',
      '--url',
      `postgres://${s.user}@127.0.0.1:${s.port}/postgres`,
    ]);
    assert.notEqual(noPassword.code, 0);
    assert.match(noPassword.stderr, /asks for a password \(SCRAM-SHA-256\) and none was given/);
    assert.match(noPassword.stderr, /PGPASSWORD/);
  });
});
