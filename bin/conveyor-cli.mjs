#!/usr/bin/env node
// `conveyor`, the operators' CLI (the package's `bin`; source in bin/cli/). Its TypeScript runs
// through tsx's loader, as `npm start` does, so a checkout needs no build step and has nothing stale.
import process from 'node:process';
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./cli/main.ts');
process.exitCode = await main(process.argv);
