#!/usr/bin/env node
/**
 * The `support-console` executable: runs the engineer's console on this
 * process's argv, stdin and stdout, and sets the exit code. Loading this
 * module runs it (the package's bin wrapper requires it), so code that wants
 * the console in-process imports runConsole from ./console-run instead.
 */
import { CONSOLE_EXIT } from './console-exit';
import { runConsole } from './console-run';

runConsole(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  env: process.env,
  // A getter: only the interactive mode touches stdin, so --command runs never open it.
  get stdin() {
    return process.stdin;
  },
  get isTTY() {
    return Boolean(process.stdin.isTTY && process.stdout.isTTY);
  },
}).then(
  (code) => {
    // exitCode, not exit(): let stdout drain when it is a pipe.
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`error Internal: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exitCode = CONSOLE_EXIT.failed;
  },
);
