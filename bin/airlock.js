#!/usr/bin/env node
// The installed `airlock` command: runs the compiled CLI (npm run build writes dist/).
import { main } from '../dist/app/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
