module.exports = require('@backstage/cli/config/eslint-factory')(__dirname, {
  // runtime/ is AssemblyScript (its own dialect, built by scripts/build-runtime.js); build/ is generated.
  ignorePatterns: ['build/', 'runtime/'],
});
