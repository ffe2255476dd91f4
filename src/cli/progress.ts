// Progress on stderr, never stdout. On a terminal one status line is rewritten in place (and erased at the
// end); with --progress on a pipe or file, each stage and each finished file is one line.

export interface ProgressSink {
  /** A new stage ("loading weights", "first forward"). */
  stage(text: string): void;
  /** Bytes of one file or upload; a line is printed when it completes (or updated live on a terminal). */
  bytes(what: string, loaded: number, total: number | undefined): void;
  /** Erases the live line, if any. */
  done(): void;
}

export const silentProgress: ProgressSink = { stage() {}, bytes() {}, done() {} };

/** Live progress when stderr is a terminal or `forced` (--progress); otherwise silence. */
export function createProgress(forced: boolean, stream: NodeJS.WriteStream = process.stderr): ProgressSink {
  if (stream.isTTY) return terminalProgress(stream);
  return forced ? lineProgress(stream) : silentProgress;
}

function lineProgress(stream: NodeJS.WriteStream): ProgressSink {
  const finished = new Set<string>();
  return {
    stage: (text) => stream.write(`${text}\n`),
    bytes(what, loaded, total) {
      if (total === undefined || loaded < total || finished.has(what)) return;
      finished.add(what);
      stream.write(`  ${what}: ${formatBytes(total)}\n`);
    },
    done() {},
  };
}

function terminalProgress(stream: NodeJS.WriteStream): ProgressSink {
  let stage = '';
  let shown = false;
  let last = 0;
  const show = (line: string) => {
    const width = Math.max((stream.columns || 80) - 1, 20);
    stream.write(`\r\x1b[K${line.slice(0, width)}`);
    shown = true;
  };
  return {
    stage(text) {
      stage = text;
      show(text);
    },
    bytes(what, loaded, total) {
      const now = Date.now();
      // At most ten redraws a second: a fast local read reports every 16 MiB chunk.
      if (now - last < 100 && total !== undefined && loaded < total) return;
      last = now;
      const part = total ? `${formatBytes(loaded)} / ${formatBytes(total)} (${Math.floor((100 * loaded) / total)}%)` : formatBytes(loaded);
      show(`${stage}: ${what} ${part}`);
    },
    done() {
      if (shown) stream.write('\r\x1b[K');
      shown = false;
    },
  };
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}
