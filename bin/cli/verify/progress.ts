/** Progress feedback for long waits. Written to stderr so `--json` on stdout stays clean. */
export interface Progress {
  /** Show (or replace) the current status line. */
  update(text: string): void;
  /** Clear the status line. */
  done(): void;
}

/** A writable stream as far as progress output needs one. */
export interface ProgressStream {
  readonly isTTY?: boolean;
  write(chunk: string): boolean;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** A progress sink that prints nothing (non-TTY stderr, `--quiet`, tests). */
export const silentProgress: Progress = {
  update: () => undefined,
  done: () => undefined,
};

/**
 * A spinner line on a TTY that is redrawn in place; nothing at all when the stream is not a TTY (CI logs,
 * pipes), so logs only contain the pass/fail lines.
 *
 * @param intervalMs spinner animation period; 0 disables the timer (frames advance on each update only)
 */
export function createProgress(stream: ProgressStream, intervalMs = 100): Progress {
  if (!stream.isTTY) {
    return silentProgress;
  }
  let frame = 0;
  let text: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  const draw = (): void => {
    if (text === undefined) {
      return;
    }
    frame = (frame + 1) % FRAMES.length;
    stream.write(`\r\x1b[2K${FRAMES[frame]} ${text}`);
  };
  return {
    update(next: string): void {
      text = next;
      draw();
      if (timer === undefined && intervalMs > 0) {
        timer = setInterval(draw, intervalMs);
        timer.unref();
      }
    },
    done(): void {
      if (timer !== undefined) {
        clearInterval(timer);
        timer = undefined;
      }
      if (text !== undefined) {
        stream.write('\r\x1b[2K');
        text = undefined;
      }
    },
  };
}
