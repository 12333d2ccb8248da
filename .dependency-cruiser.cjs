/**
 * Layer rules (docs/architecture.md): dashboards → services → collectors → db → core, one way.
 * Only the composition root (services/cli.ts, services/cli/, services/commands/, services/daemon.ts,
 * services/startup.ts) wires every layer together. Run by `npm run lint` (depcruise).
 */
const ROOT = '^services/(cli\\.ts|cli/|commands/|daemon\\.ts|startup\\.ts)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-is-the-bottom',
      comment: 'core/ (config, logger, errors, time, domain words) imports nothing from the layers above it',
      severity: 'error',
      from: { path: '^core/' },
      to: { path: '^(db|collectors|services|dashboards)/' },
    },
    {
      name: 'db-below-collectors',
      comment: 'db/ imports only core/ (domain types live in core/, not services/)',
      severity: 'error',
      from: { path: '^db/' },
      to: { path: '^(collectors|services|dashboards)/' },
    },
    {
      name: 'collectors-below-services',
      comment: 'collectors/ import db/ and core/, never services/ or dashboards/',
      severity: 'error',
      from: { path: '^collectors/' },
      to: { path: '^(services|dashboards)/' },
    },
    {
      name: 'services-below-dashboards',
      comment: 'services (reports, status, detector...) never import the web layer; only the composition root does',
      severity: 'error',
      from: { path: '^services/', pathNot: ROOT },
      to: { path: '^dashboards/' },
    },
    {
      name: 'no-circular',
      comment: 'no import cycles, type-only ones included',
      severity: 'error',
      from: { path: '^(core|db|collectors|services|dashboards)/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|test|bench)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
      extensions: ['.ts', '.js'],
    },
  },
};
