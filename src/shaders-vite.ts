// Registers the WGSL files with the engine in the browser: Vite inlines them as strings at build time.
import { registerShaderSources } from './gpu/shaders.ts';

registerShaderSources(import.meta.glob('../shaders/*.wgsl', { query: '?raw', import: 'default', eager: true }) as Record<string, string>);
