// The layer rules of src/ (docs/layers.md), checked by `npm run lint:layers` in `npm test`. Each layer imports
// only the layers below it; the rules are by folder, so a new file is held to them without an edit here.
// Type-only imports count too (the swc parser does not tell them apart): a layer that needs a type from above
// is a layer that points up.

/** Bottom to top. */
const LAYERS = [
  { name: 'base', path: '^src/(errors|random)[.]ts$' },
  { name: 'gpu', path: '^src/gpu/' },
  { name: 'kernels', path: '^src/kernels/' },
  { name: 'graph', path: '^src/graph/' },
  { name: 'families', path: '^src/families/' },
  { name: 'model', path: '^src/model/' },
  { name: 'runtime', path: '^src/runtime/' },
  { name: 'tasks', path: '^src/tasks/' },
  { name: 'entry points', path: '^src/(cli/|(?!(errors|random)[.]ts$)[^/]+[.]ts$)' },
];

// Reached only from lab.ts, the CLI (the default model, compare), bench and tests; the reference also uses
// the generator, never the other way round (the app loads the default model's generator on demand).
const REFERENCE = '^src/reference/';
const GENERATOR = '^src/model/(generate[^/]*|default-vocab)[.]ts$';
const LAB = '^src/(lab[.]ts|cli/)';

const upward = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `${layer.name}-imports-above`,
  comment: `${layer.name} imports only ${LAYERS.slice(0, i).map((l) => l.name).join(', ') || 'nothing of ours'} (and tokenizer/): not ${LAYERS.slice(i + 1).map((l) => l.name).join(', ')}`,
  severity: 'error',
  from: { path: layer.path, pathNot: GENERATOR },
  to: { path: LAYERS.slice(i + 1).map((l) => l.path).join('|') },
}));

module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'tokenizer-stands-alone',
      comment: 'tokenizer/ imports nothing of ours but src/errors.ts',
      severity: 'error',
      from: { path: '^src/tokenizer/' },
      to: { path: '^src/', pathNot: '^src/(tokenizer/|errors[.]ts$)' },
    },
    {
      name: 'reference-only-from-lab',
      comment: 'the float64 twins and whole-model reference are reached from lab.ts, the CLI, bench and tests, never from the app path',
      severity: 'error',
      from: { path: '^src/', pathNot: `${LAB}|${REFERENCE}` },
      to: { path: REFERENCE },
    },
    {
      name: 'generator-only-from-lab',
      comment: 'the checkpoint generator and its vocabulary are reached from lab.ts, the CLI, bench and tests; the library loads the default model with a dynamic import only',
      severity: 'error',
      from: { path: '^src/', pathNot: `${LAB}|${REFERENCE}|${GENERATOR}` },
      to: { path: GENERATOR, dependencyTypesNot: ['dynamic-import'] },
    },
    {
      name: 'generator-not-from-runtime-layers',
      comment: 'the generator sits beside model/ but on the lab side: below it only reference/ and the lab entry points may use it',
      severity: 'error',
      from: { path: GENERATOR },
      to: { path: '^src/(runtime|tasks)/|^src/(api|node|browser)[.]ts$' },
    },
    {
      name: 'src-stands-alone',
      comment: 'the library imports nothing from bench, tests, demo or scripts',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(bench|tests|demo|scripts)/' },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'every import resolves (a typo in a path would otherwise slip past the rules above); Vite\'s ?url and ?raw imports aside',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true, pathNot: '[?](url|raw)$' },
    },
    {
      name: 'no-circular',
      comment: 'no import cycles, in src/ or bench/',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    parser: 'swc',
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist)/' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
