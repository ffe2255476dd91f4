// Checkpoint files the user picked (folder picker, file picker) or dropped, read into memory with
// progress. Only the files of the folder's top level that the loader can use are read: a Hugging Face
// folder often also holds pytorch_model.bin, ONNX exports or TF weights, which would cost memory and time.
import type { CheckpointFiles } from '../src/browser.ts';
import type { DemoProgress } from './app.ts';

/** A picked file and its path relative to what was picked ("bert/config.json" or "config.json"). */
export interface PickedFile {
  file: File;
  path: string;
}

const USABLE = /\.(json|txt|safetensors)$/i;

/**
 * The files at the shallowest level of the pick (the folder's own files, not its subfolders), by name.
 * Throws a one-line error when nothing usable was picked.
 */
export function checkpointFiles(picked: PickedFile[]): Map<string, File> {
  if (picked.length === 0) throw new Error('no files were picked');
  const depth = (p: PickedFile) => p.path.split('/').length;
  const top = Math.min(...picked.map(depth));
  const out = new Map<string, File>();
  // By name, so messages that list the files read the same whatever order the browser listed them in.
  for (const p of [...picked].sort((a, b) => (a.path < b.path ? -1 : 1))) {
    const name = p.path.split('/').pop()!;
    if (depth(p) === top && USABLE.test(name)) out.set(name, p.file);
  }
  if (out.size === 0) {
    const names = picked.slice(0, 5).map((p) => p.path).join(', ');
    throw new Error(`none of the picked files is a checkpoint file (config.json, *.safetensors, tokenizer.json, vocab.txt, vocab.json, merges.txt): got ${names}${picked.length > 5 ? ', …' : ''}`);
  }
  return out;
}

/** Reads the files, streaming each so the progress bar moves during large weight files. */
export async function readFiles(files: Map<string, File>, onProgress: (p: DemoProgress) => void): Promise<CheckpointFiles> {
  const out: CheckpointFiles = new Map();
  const total = [...files.values()].reduce((a, f) => a + f.size, 0);
  let loaded = 0;
  for (const [name, file] of files) {
    const bytes = new Uint8Array(file.size);
    const reader = file.stream().getReader();
    let at = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes.set(value, at);
      at += value.byteLength;
      loaded += value.byteLength;
      onProgress({ stage: 'read', file: name, loaded, total });
    }
    out.set(name, bytes);
  }
  return out;
}

/** The files of an <input type=file> (with or without webkitdirectory). */
export function fromInput(input: HTMLInputElement): PickedFile[] {
  return [...(input.files ?? [])].map((file) => ({ file, path: file.webkitRelativePath || file.name }));
}

/** The files of a drop: a dropped folder gives its own files (its subfolders are not walked). */
export async function fromDrop(data: DataTransfer): Promise<PickedFile[]> {
  const entries = [...data.items].map((item) => item.webkitGetAsEntry?.()).filter((e): e is FileSystemEntry => Boolean(e));
  if (entries.length === 0) return [...data.files].map((file) => ({ file, path: file.name }));
  const out: PickedFile[] = [];
  for (const entry of entries) await walk(entry, '', out, 1);
  return out;
}

async function walk(entry: FileSystemEntry, prefix: string, out: PickedFile[], depthLeft: number): Promise<void> {
  const path = prefix + entry.name;
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    out.push({ file, path });
    return;
  }
  if (!entry.isDirectory || depthLeft === 0) return;
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  // readEntries returns the listing in batches; an empty batch ends it.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) break;
    for (const child of batch) await walk(child, `${path}/`, out, depthLeft - 1);
  }
}

/** The loader's error for a folder without safetensors names what it needs; add why a common folder fails. */
export function explainMissing(message: string, all: PickedFile[]): string {
  const names = all.map((p) => p.path.split('/').pop()!);
  if (/^model\.safetensors: /.test(message) && names.some((n) => /\.(bin|h5|onnx|msgpack)$/.test(n))) {
    return `${message} — this folder has PyTorch/TF/ONNX weights only; the engine reads safetensors (convert with save_pretrained(..., safe_serialization=True))`;
  }
  return message;
}
