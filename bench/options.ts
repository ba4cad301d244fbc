/** Command-line options of the benchmark's tools: `--name=value`. */

/** The value of `--name=...` among `argv` (the process's by default), or undefined when not given. */
export function textOption(name: string, argv: readonly string[] = process.argv): string | undefined {
  const prefix = `--${name}=`;
  return argv.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

/** The number given as `--name=N`, or `fallback`. */
export function numberOption(name: string, fallback: number): number {
  return Number(textOption(name) ?? fallback);
}
