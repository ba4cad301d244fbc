/** Command-line options of the benchmark's tools: `--name=value`. */

/** The value of `--name=...`, or undefined when not given. */
export function textOption(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

/** The number given as `--name=N`, or `fallback`. */
export function numberOption(name: string, fallback: number): number {
  return Number(textOption(name) ?? fallback);
}
