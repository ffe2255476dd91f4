// WGSL sources by file name, and the preprocessor that specialises them. The browser entry registers the
// files through Vite (`import.meta.glob`), the Node entry reads them from `shaders/`; kernels only ask here.
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js'; // the package declares no main

/** Values substituted for `${NAME}` in a `.wgsl` file: booleans drive `#if ${NAME}`; numbers become text
 * (used where WGSL needs a const-expression, e.g. the size of a function-scope array). */
export type Defines = Record<string, boolean | number>;

const sources = new Map<string, string>();

export function registerShaderSources(files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) sources.set(name.replace(/^.*\//, ''), text);
}

export function shaderFileNames(): string[] {
  return [...sources.keys()].sort();
}

export function shaderSource(file: string): string {
  const text = sources.get(file);
  if (text === undefined) {
    const known = sources.size ? shaderFileNames().join(', ') : 'none: was an entry point (src/node.ts or src/browser.ts) imported?';
    throw new Error(`shader "${file}" is not registered (registered: ${known})`);
  }
  return text;
}

/** Runs wgsl-preprocessor over `text`, treating every `${NAME}` as a template value taken from `defines`. */
export function preprocess(file: string, text: string, defines: Defines): string {
  const parts = text.split(/\$\{(\w+)\}/);
  const strings = parts.filter((_, i) => i % 2 === 0);
  const values = parts.filter((_, i) => i % 2 === 1).map((name) => {
    if (!(name in defines)) throw new Error(`${file}: \${${name}} has no value (defines: ${Object.keys(defines).join(', ') || 'none'})`);
    return defines[name];
  });
  return wgsl(Object.assign(strings, { raw: strings }) as unknown as TemplateStringsArray, ...values);
}

/** The specialised source of a kernel made of several files (shared snippets first). */
export function buildShader(files: readonly string[], defines: Defines): string {
  return files.map((f) => preprocess(f, shaderSource(f), defines)).join('\n');
}
