// eslint (flat config): the recommended rules of eslint and typescript-eslint, with the exceptions below.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // AssemblyScript (src/kernels/wasm/assembly/) puts decorators on functions, which TypeScript's parser refuses.
  {
    ignores: [
      'dist/',
      'src/kernels/native/cc/build/',
      'node_modules/',
      'coverage/',
      'artifacts/',
      'src/kernels/wasm/binary.generated.ts',
      'src/kernels/wasm/assembly/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      // `_`-prefixed names are deliberately unused (callback signatures, destructuring that drops a field).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // The recycler makes itself the module's active one for the span of run(): a deliberate alias.
      '@typescript-eslint/no-this-alias': 'off',
    },
  },
  {
    // Tests take apart files and payloads of unknown shape.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
