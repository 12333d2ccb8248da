import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COLLECTOR_MODULES, sourceEnv } from '../../collectors/registry.js';
import { main } from '../../services/cli.js';

const ROOT = join(import.meta.dirname, '..', '..');
const read = (f: string) => readFileSync(join(ROOT, f), 'utf8');

/** The README's tables, the config docs and the help texts list every source of the registry. */
describe('sources in docs and help', () => {
  it('the README environment table names every source variable with its default, and the command table every source', () => {
    const readme = read('README.md');
    for (const [env, path] of Object.entries(sourceEnv())) {
      const row = readme.split('\n').find((l) => l.startsWith(`| \`${env}\` |`));
      expect(row, `README row for ${env}`).toBeDefined();
      expect(row).toContain(`\`${path.join('.')}\``);
      const m = COLLECTOR_MODULES.find((x) => x.name === path[1])!;
      if (path[2] === 'url') expect(row).toContain(m.source.url);
    }
    const collect = readme.split('\n').find((l) => l.startsWith('| `collect --source'))!;
    const ingest = readme.split('\n').find((l) => l.startsWith('| `ingest '))!;
    for (const m of COLLECTOR_MODULES) {
      expect(collect).toContain(m.name);
      if (m.ingests) expect(ingest).toContain(m.name);
    }
  });

  it('docs/collection.md has a cadence row for every source and docs/sources.md or docs/collectors.md a section', () => {
    const collection = read('docs/collection.md');
    const sources = read('docs/sources.md') + read('docs/collectors.md');
    for (const m of COLLECTOR_MODULES) {
      expect(collection).toMatch(new RegExp(`^\\| ${m.name} \\|`, 'm'));
      expect(sources).toContain(`collectors/${m.name}/`);
    }
  });

  it('collect --help and ingest --help list the sources from the registry', async () => {
    let out = '';
    const io = { stdout: { write: (s: string) => ((out += s), true) }, stderr: { write: () => true } };
    for (const cmd of ['collect', 'ingest']) {
      out = '';
      await main([cmd, '--help'], io as never).catch(() => undefined);
      for (const m of COLLECTOR_MODULES)
        if (cmd === 'collect' || m.ingests) expect(out, `${cmd} --help`).toMatch(new RegExp(`^  ${m.name} +${m.title}:`, 'm'));
    }
  });
});
