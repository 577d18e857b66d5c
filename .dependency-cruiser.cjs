/**
 * The architecture's boundaries, checked by `npm run lint` (dependency-cruiser over src/).
 * README's design section explains the layout; test/lint/boundaries.test.ts plants a violation
 * of every rule and checks that the cruise fails on it.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import cycles hide which module is the lower layer.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'ml-imports-only-ml-contracts-lib',
      severity: 'error',
      comment: 'src/ml/ is TF.js code that knows nothing of HTTP, Redis, files or features.',
      from: { path: '^src/ml/' },
      to: { path: '^src/', pathNot: '^src/(ml|contracts|lib)/' },
    },
    {
      name: 'tfjs-only-in-ml',
      severity: 'error',
      comment: 'Only src/ml/ imports TensorFlow.js; everything else goes through it.',
      from: { path: '^src/', pathNot: '^src/ml/' },
      to: { path: '(^|/)node_modules/@tensorflow(-models)?/' },
    },
    {
      name: 'ml-has-one-entry',
      severity: 'error',
      comment:
        'The rest of src/ reaches src/ml/ through its front door, src/ml/index.ts, which says what the ' +
        'ml layer offers; TF.js-free helpers that light code needs live in contracts/ or lib/ instead.',
      from: { path: '^src/', pathNot: '^src/ml/' },
      to: { path: '^src/ml/', pathNot: '^src/ml/index\\.ts$' },
    },
    {
      name: 'ml-internals-skip-the-index',
      severity: 'error',
      comment:
        'Inside src/ml/ modules import each other directly: through the front door a thread entry would ' +
        'load the whole layer, and an exported module would import itself in a cycle.',
      from: { path: '^src/ml/' },
      to: { path: '^src/ml/index\\.ts$' },
    },
    {
      name: 'redis-only-in-queue',
      severity: 'error',
      comment: 'src/queue/ is the only place that touches BullMQ or ioredis; the entry point may wire.',
      from: { path: '^src/', pathNot: '^src/(queue/|server\\.ts$)' },
      to: { path: '(^|/)node_modules/(bullmq|ioredis)/' },
    },
    {
      name: 'aws-sdk-only-in-storage',
      severity: 'error',
      comment: 'src/storage/ is the only place that talks to an object store.',
      from: { path: '^src/', pathNot: '^src/storage/' },
      to: { path: '(^|/)node_modules/@aws-sdk/' },
    },
    {
      name: 'contracts-are-dependency-free',
      severity: 'error',
      comment: 'src/contracts/ is shared by API, worker and ml, so it imports nothing else from src/.',
      from: { path: '^src/contracts/' },
      to: { path: '^src/', pathNot: '^src/contracts/' },
    },
    {
      name: 'lib-is-the-bottom',
      severity: 'error',
      comment: 'src/lib/ holds generic helpers: it imports only itself and contracts.',
      from: { path: '^src/lib/' },
      to: { path: '^src/', pathNot: '^src/(lib|contracts)/' },
    },
    {
      name: 'http-is-the-top',
      severity: 'error',
      comment: 'Only the entry point imports src/http/; services know nothing of Fastify.',
      from: { path: '^src/', pathNot: '^src/(http/|server\\.ts$)' },
      to: { path: '^src/http/' },
    },
    {
      name: 'fastify-only-in-http',
      severity: 'error',
      comment: 'Routes, plugins and the app live in src/http/; the entry point listens.',
      from: { path: '^src/', pathNot: '^src/(http/|server\\.ts$)' },
      to: { path: '(^|/)node_modules/(fastify|@fastify|fastify-plugin|fastify-type-provider-zod)/' },
    },
    {
      name: 'evaluation-is-pure-statistics',
      severity: 'error',
      comment:
        'src/evaluation/ is statistics over predictions: it imports only itself, contracts and lib, ' +
        'and no TF.js, HTTP, Redis, object store or file system, so it runs anywhere and tests on simulations.',
      from: { path: '^src/evaluation/' },
      to: {
        path: '^src/|(^|/)node_modules/(@tensorflow(-models)?|fastify|@fastify|bullmq|ioredis|@aws-sdk)/|^(node:)?(fs|fs/promises|net|http|https|child_process|worker_threads)$',
        pathNot: '^src/(evaluation|contracts|lib)/',
      },
    },
    {
      name: 'client-is-standalone',
      severity: 'error',
      comment:
        'src/client/ is what the package exports to other programs: it speaks HTTP through its generated ' +
        'types and imports nothing else from src/; src/cli/ is built on it alone.',
      from: { path: '^src/(client|cli)/' },
      to: { path: '^src/', pathNot: '^src/(client|cli)/' },
    },
    {
      name: 'only-the-cli-uses-the-client',
      severity: 'error',
      comment: 'The service itself never calls its own API through the client.',
      from: { path: '^src/', pathNot: '^src/(client|cli)/' },
      to: { path: '^src/(client|cli)/' },
    },
    {
      name: 'audit-scoring-is-pure',
      severity: 'error',
      comment:
        'src/audits/scoring/ scores features and probabilities: it imports only itself, contracts, lib and ' +
        'evaluation, and no TF.js, HTTP, Redis, object store or file system, so it tests on simulations.',
      from: { path: '^src/audits/scoring/' },
      to: {
        path: '^src/|(^|/)node_modules/(@tensorflow(-models)?|fastify|@fastify|bullmq|ioredis|@aws-sdk)/|^(node:)?(fs|fs/promises|net|http|https|child_process|worker_threads)$',
        pathNot: '^src/(audits/scoring|evaluation|contracts|lib)/',
      },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that does not resolve would escape every rule above.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
