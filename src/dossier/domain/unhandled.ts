/** The end of a switch over a union: the compiler refuses it while a member is not handled. */
export function unhandled(value: never, what: string): never {
  throw new Error(`unhandled ${what}: ${JSON.stringify(value)}`);
}
