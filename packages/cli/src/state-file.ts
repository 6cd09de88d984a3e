import { renameSync, rmSync, writeFileSync } from 'node:fs';

/** The temporary file a state report is written to before it is renamed over `file`. */
function temporaryOf(file: string): string {
  return `${file}.${process.pid}.tmp`;
}

/** Checks before boot that `os run --state FILE` can write FILE; returns the reason if it cannot. */
export function stateFileProblem(file: string): string | null {
  const temporary = temporaryOf(file);
  try {
    writeFileSync(temporary, '');
    rmSync(temporary);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * What `os run --state FILE` hands core: keeps FILE holding the latest state report of the top init
 * (core's Report session labelled `<init name> -> state`). Each report is written to a temporary file
 * beside FILE and renamed over it, so a script reading FILE never sees half a report. A write that
 * fails goes to `failed`, once; the system keeps running.
 */
export function stateFile(
  file: string,
  initName: string,
  failed: (message: string) => void,
): (label: string, report: Uint8Array) => void {
  const label = `${initName} -> state`;
  const temporary = temporaryOf(file);
  let reported = false;
  return (reportLabel, report) => {
    if (reportLabel !== label) return;
    try {
      writeFileSync(temporary, report);
      renameSync(temporary, file);
    } catch (error) {
      if (reported) return;
      reported = true;
      failed(
        `os run: --state ${file}: cannot write the state ` +
          `report: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  };
}
