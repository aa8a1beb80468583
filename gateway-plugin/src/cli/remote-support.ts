#!/usr/bin/env node
/**
 * The `remote-support` executable: runs the CLI on this process's argv and
 * sets the exit code. Loading this module runs it (the package's bin wrapper
 * requires it), so code that wants the CLI in-process imports runCli from
 * ./run-cli instead.
 */
import { EXIT } from './cli-error';
import { runCli } from './run-cli';

runCli(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  env: process.env,
}).then(
  (code) => {
    // exitCode, not exit(): let stdout drain when it is a pipe.
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`error Internal: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exitCode = EXIT.failed;
  },
);
