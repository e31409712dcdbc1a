/**
 * How this project's TypeScript compiles to CommonJS with @swc/core, as tsconfig.json says (decorators
 * with their metadata, class fields as assignments): shared by jest (@swc/jest) and ts-hook.js.
 */
module.exports = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};
