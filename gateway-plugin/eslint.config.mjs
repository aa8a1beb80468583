// Lint for the gateway plugin: typescript-eslint's recommended rules, no
// import cycles, and the layers of docs/style.md enforced on folder names.
import js from '@eslint/js';
import boundaries from 'eslint-plugin-boundaries';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/** One element per folder of src/; the composition root (gateway.ts, main.ts) is its own. */
const FOLDERS = [
  'api', 'auth', 'channel', 'cli', 'cli-kit', 'cluster', 'config', 'console', 'contract', 'domain', 'events', 'executors',
  'http', 'identity', 'lifecycle', 'local-relay', 'logging', 'notify', 'operations', 'policy', 'ports', 'relay', 'service', 'simulator', 'store',
  'test-support', 'text', 'tls', 'wac-host',
];

/**
 * Who may import whom. A folder may always import its own files; anything
 * not listed is refused. Test-only folders (simulator, identity,
 * test-support, wac-host, local-relay) are reached from production code only by the composition
 * root's dynamic import(), which the packaging test checks at run time.
 */
const ALLOWED = {
  domain: [],
  policy: ['domain'],
  ports: ['domain'],
  events: ['domain'],
  tls: [],
  // Kept libraries behind one small layer each: they import nothing of ours.
  http: [],
  text: [],
  logging: [],
  'cli-kit': [],
  auth: ['domain', 'ports', 'http'],
  config: ['domain', 'policy', 'auth', 'contract', 'cli-kit'],
  contract: ['domain', 'policy'],
  store: ['domain', 'ports', 'events'],
  executors: ['domain', 'policy', 'text'],
  cluster: ['domain', 'policy', 'executors'],
  operations: ['domain', 'policy', 'ports', 'events', 'cluster'],
  lifecycle: ['domain', 'ports'],
  service: ['domain', 'policy', 'ports', 'cluster', 'operations', 'contract'],
  channel: ['domain', 'policy', 'ports', 'cluster', 'executors', 'auth', 'api', 'contract'],
  api: ['domain', 'policy', 'ports', 'service', 'auth', 'events', 'tls', 'operations', 'cluster', 'contract'],
  cli: ['domain', 'policy', 'ports', 'contract', 'config', 'cluster', 'operations', 'service', 'root', 'http', 'text', 'cli-kit'],
  console: ['domain', 'policy', 'contract', 'channel', 'cli', 'root', 'http', 'text', 'cli-kit', 'relay'],
  // Azure Relay Hybrid Connections: SAS tokens, the listener, the sender's connect.
  relay: ['domain'],
  // The local Hybrid Connections relay (embedded default and tests only, like the simulator).
  'local-relay': ['relay'],
  // Webhooks and email to admins: events from the hub, sent through the one HTTPS client.
  notify: ['domain', 'events', 'http'],
  simulator: ['domain', 'policy', 'executors', 'cluster'],
  // The WAC PowerShell API stand-in (embedded default and tests only, like the simulator).
  'wac-host': ['domain', 'executors', 'contract'],
  identity: [],
  'test-support': ['domain'],
  root: FOLDERS.filter((f) => !['cli', 'console'].includes(f)),
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bin/**', 'scripts/**', 'bench/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['src/**/*.ts', 'test/**/*.ts'],
    plugins: { 'import-x': importX, boundaries },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json'] })],
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import/resolver': { node: { extensions: ['.ts', '.js', '.json'] } },
      'boundaries/include': ['src/**/*.ts'],
      'boundaries/elements': [
        ...FOLDERS.map((type) => ({ type, pattern: `src/${type}`, partialMatch: false, stopMatching: true })),
        // Whatever sits directly in src/ (gateway.ts, main.ts): matched last, so only files outside every folder above.
        { type: 'root', pattern: 'src', partialMatch: false },
      ],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'boundaries/dependencies': [
        'error',
        {
          default: 'disallow',
          policies: Object.entries(ALLOWED)
            .filter(([, to]) => to.length > 0)
            .map(([from, to]) => ({ from: { element: { type: from } }, allow: { to: { element: { types: { anyOf: to } } } } }))
            // The support console reads the shape of the local provider's client file, never its code.
            .concat([{ from: { element: { type: 'console' } }, allow: { to: { element: { type: 'identity' } }, dependency: { kind: 'type' } } }]),
        },
      ],
      // Unused arguments named with a leading underscore are kept on purpose (interface shapes, fastify handlers).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // The composition root names test-only modules as types only; their code is loaded with import() in the modes that use them.
    files: ['src/gateway.ts', 'src/main.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['./simulator/*', './identity/*', './test-support/*', './wac-host/*', './local-relay/*'], allowTypeImports: true, message: 'Load test-only modules with import() in the modes that use them.' },
          ],
        },
      ],
    },
  },
);
