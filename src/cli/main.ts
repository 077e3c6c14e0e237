#!/usr/bin/env node
/**
 * Entry point. Only commander and the command definitions load here; each command imports what
 * it needs when it runs (the store, drivers, the server), so `--version`, `--help` and `schema`
 * start in the time of Node itself.
 */
import { buildProgram } from './program.js';
import { reportError } from './output.js';

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    process.exitCode = reportError(err, process.argv.includes('--json'));
  });
