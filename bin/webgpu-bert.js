#!/usr/bin/env node
// The `webgpu-bert` command. The engine is TypeScript run through tsx, so no build step is needed: register
// tsx's ESM loader (with the package's own tsconfig when it has one, whatever the caller's cwd), then import
// the CLI. Paths are resolved against this file, so the command works from any directory and through the
// node_modules/.bin symlink (Node resolves the symlink before it sets import.meta.url).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

const tsconfig = fileURLToPath(new URL('../tsconfig.json', import.meta.url));
register({ tsconfig: existsSync(tsconfig) ? tsconfig : false });
await import(new URL('../src/cli/main.ts', import.meta.url).href);
