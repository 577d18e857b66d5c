#!/usr/bin/env node
// The CLI runs from its TypeScript sources through tsx, as the server does (`npm start`).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv, {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
