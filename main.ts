#!/usr/bin/env node
// `node dist/main.js`: the WarpGrid daemon.

import { main } from './src/main.js';

await main(process.argv.slice(2));
