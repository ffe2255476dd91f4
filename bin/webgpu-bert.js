#!/usr/bin/env node
// The `webgpu-bert` command. Installed from npm, it runs the compiled CLI in dist/ with plain Node. In a
// checkout of the repository (src/ is there, and tsx), it runs the TypeScript sources through tsx instead,
// so the command never runs a stale build. Paths are resolved against this file, so the command works from
// any directory and through the node_modules/.bin symlink (Node resolves the symlink first).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const sources = new URL('../src/cli/main.ts', import.meta.url);
const compiled = new URL('../dist/cli/main.js', import.meta.url);

async function tsxRegister() {
  try {
    return (await import('tsx/esm/api')).register;
  } catch {
    return undefined; // not a development install
  }
}

const register = existsSync(fileURLToPath(sources)) ? await tsxRegister() : undefined;
if (register) {
  const tsconfig = fileURLToPath(new URL('../tsconfig.json', import.meta.url));
  register({ tsconfig: existsSync(tsconfig) ? tsconfig : false });
  await import(sources.href);
} else if (existsSync(fileURLToPath(compiled))) {
  await import(compiled.href);
} else {
  console.error('error: webgpu-bert is not built: run `npm run build` in its folder (or `npm install tsx` to run the sources)');
  process.exitCode = 1;
}
