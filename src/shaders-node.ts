// Registers the WGSL files with the engine in Node, read from the package's shaders/ folder.
import { readdirSync, readFileSync } from 'node:fs';
import { registerShaderSources } from './gpu/shaders.ts';

const dir = new URL('../shaders/', import.meta.url);
registerShaderSources(Object.fromEntries(readdirSync(dir)
  .filter((f) => f.endsWith('.wgsl'))
  .map((f) => [f, readFileSync(new URL(f, dir), 'utf8')])));
