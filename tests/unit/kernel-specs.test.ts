// Every kernel's TypeScript spec against its WGSL text: binding numbers, names and access modes, the
// fields of `struct Params`, the override constants and the preprocessor values. A mismatch here would
// otherwise surface as a validation error at dispatch time, or worse, as a silently wrong binding.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { KERNELS } from '../../src/kernels/registry.ts';
import { workgroupSizeOf } from '../../src/kernels/kernel.ts';
import { buildShader, registerShaderSources } from '../../src/gpu/shaders.ts';

test('workgroupSizeOf follows derived overrides and consts', () => {
  const src = 'override BM: u32 = 64;\noverride BN: u32 = 64;\nconst TM: u32 = 4u;\nconst TN: u32 = 2u;\noverride WG_X: u32 = BN / TN;\noverride WG_Y: u32 = (BM + 0u) / TM;\n@compute @workgroup_size(WG_X, WG_Y, 1)';
  assert.equal(workgroupSizeOf('t', src, { BM: 32, BN: 64 }), 32 * 8, 'BN / TN = 32, BM / TM = 8 with BM overridden');
  assert.equal(workgroupSizeOf('t', src, {}), 32 * 16);
  assert.equal(workgroupSizeOf('t', '@compute @workgroup_size(64)', {}), 64);
  assert.throws(() => workgroupSizeOf('t', '@compute @workgroup_size(WG)', {}), /"WG"/);
});

const SHADERS = new URL('../../shaders/', import.meta.url);
const read = (file: string) => readFileSync(new URL(file, SHADERS), 'utf8');
const ACCESS: Record<string, string> = { 'storage, read': 'read', 'storage, read_write': 'write', uniform: 'uniform' };

describe('kernel specs match their WGSL', () => {
  for (const kernel of KERNELS) {
    const text = kernel.spec.shaders.map(read).join('\n');

    test(`${kernel.name}: bindings`, () => {
      const found = [...text.matchAll(/@group\(0\)\s*@binding\((\d+)\)\s*var<([^>]+)>\s*(\w+)/g)]
        .map((m) => ({ binding: Number(m[1]), access: ACCESS[m[2].trim()] ?? m[2], name: m[3] }))
        // A binding declared in both branches of an #if (e.g. f32 or vec4 elements) counts once.
        .filter((b, i, all) => all.findIndex((x) => x.binding === b.binding && x.name === b.name && x.access === b.access) === i)
        .sort((a, b) => a.binding - b.binding);
      assert.deepEqual(found, kernel.bindings.map(({ binding, access, name }) => ({ binding, access, name })));
    });

    test(`${kernel.name}: params struct`, () => {
      const body = /struct Params\s*\{([^}]*)\}/.exec(text)?.[1] ?? '';
      const fields = body.split(',').map((f) => f.trim()).filter(Boolean).map((f) => f.replace(/\s+/g, ' '));
      assert.deepEqual(fields, kernel.paramFields.map((f) => `${f.name}: ${f.type}`));
    });

    test(`${kernel.name}: overrides and preprocessor values`, () => {
      const overrides = new Set([...text.matchAll(/^override (\w+)/gm)].map((m) => m[1]));
      for (const name of Object.keys(kernel.spec.constants)) assert.ok(overrides.has(name), `constant ${name} is not an override in WGSL`);
      const placeholders = new Set([...text.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]));
      assert.deepEqual([...placeholders].sort(), Object.keys(kernel.spec.defines).sort(), 'every ${NAME} has a default and every define is used');
    });

    test(`${kernel.name}: workgroup size resolves (occupancy report) within WebGPU's default 256`, () => {
      registerShaderSources(Object.fromEntries(kernel.spec.shaders.map((f) => [f, read(f)])));
      const { constants, defines } = kernel.resolve();
      const n = workgroupSizeOf(kernel.name, buildShader(kernel.spec.shaders, defines), constants);
      assert.ok(Number.isInteger(n) && n >= 1 && n <= 256, `${n} invocations`);
    });
  }
});

test('every .wgsl starts with a header comment and uses # only for the preprocessor', () => {
  const files = readdirSync(SHADERS).filter((f) => f.endsWith('.wgsl'));
  assert.ok(files.length >= 10);
  for (const f of files) {
    const text = read(f);
    assert.match(text, /^\/\/ \S/, `${f} has no header comment`);
    // wgsl-preprocessor treats any '#' as a directive, even inside a comment.
    for (const m of text.matchAll(/#(\w*)/g)) assert.ok(['if', 'elif', 'else', 'endif'].includes(m[1]), `${f}: stray "#${m[1]}"`);
  }
});

test('every .wgsl file belongs to a kernel', () => {
  const used = new Set(KERNELS.flatMap((k) => k.spec.shaders));
  const unused = readdirSync(SHADERS).filter((f) => f.endsWith('.wgsl') && !used.has(f));
  assert.deepEqual(unused, []);
});
