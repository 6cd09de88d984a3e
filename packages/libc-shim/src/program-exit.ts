/**
 * Thrown through a program's stack by `process.exit`, which must not return: the shim catches it
 * where it called into the program; a program that catches it only delays its own end.
 */
export class ProgramExit extends Error {
  /** Creates the unwinding for exit value `exitValue`. */
  constructor(
    /** The exit value the program asked for. */
    readonly exitValue: number,
  ) {
    super(`process.exit(${exitValue})`);
    this.name = 'ProgramExit';
  }
}
