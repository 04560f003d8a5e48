import { createProgress } from '../../bin/cli/verify/progress';

function stream(isTTY: boolean): { isTTY: boolean; written: string[]; write: (s: string) => boolean } {
  const written: string[] = [];
  return { isTTY, written, write: (s) => written.push(s) > 0 };
}

describe('createProgress', () => {
  test('draws a spinner line in place on a TTY and clears it when done', () => {
    // GIVEN
    const tty = stream(true);
    const progress = createProgress(tty, 0);
    // WHEN
    progress.update('waiting for report');
    progress.update('still waiting');
    progress.done();
    // THEN
    expect(tty.written).toHaveLength(3);
    expect(tty.written[0]).toMatch(/^\r\x1b\[2K. waiting for report$/);
    expect(tty.written[1]).toMatch(/^\r\x1b\[2K. still waiting$/);
    expect(tty.written[0].charAt(5)).not.toBe(tty.written[1].charAt(5));
    expect(tty.written[2]).toBe('\r\x1b[2K');
  });

  test('done without an update writes nothing', () => {
    const tty = stream(true);
    createProgress(tty, 0).done();
    expect(tty.written).toEqual([]);
  });

  test('is silent when the stream is not a TTY (CI logs, pipes)', () => {
    const pipe = stream(false);
    const progress = createProgress(pipe, 0);
    progress.update('waiting');
    progress.done();
    expect(pipe.written).toEqual([]);
  });
});
