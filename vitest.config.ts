import { defineConfig } from 'vitest/config';

const json = process.env.VITEST_JSON;

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['dist/**', 'node_modules/**'],
    setupFiles: ['test/setup.ts'],
    // one private PostgreSQL cluster for the whole run (skipped without initdb unless REQUIRE_PG=1)
    globalSetup: ['test/pg-global-setup.ts'],
    // a hang detector, not a target (targets live in bench/): generous, because CI's two cores are shared and a
    // test that runs several commands on both backends took 30 s under load there (stop 27)
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: json ? ['default', 'json'] : ['default'],
    outputFile: json ? { json } : undefined,
  },
});
