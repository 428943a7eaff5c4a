/** ANSI colour, only when writing to a terminal and NO_COLOR is unset (https://no-color.org). */

export function colourEnabled(stream: NodeJS.WriteStream = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && !env.NO_COLOR && env.TERM !== 'dumb';
}

export interface Palette { green(s: string): string; red(s: string): string; yellow(s: string): string; bold(s: string): string; dim(s: string): string }

const wrap = (on: boolean, code: string) => (s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);

export function palette(on = colourEnabled()): Palette {
  return { green: wrap(on, '32'), red: wrap(on, '31'), yellow: wrap(on, '33'), bold: wrap(on, '1'), dim: wrap(on, '2') };
}
