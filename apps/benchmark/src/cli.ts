#!/usr/bin/env node
import { runCli } from './cli-args.js';
import { buildProgram } from './program.js';

await runCli(buildProgram());
