import { renameSync, writeFileSync } from 'node:fs';

/**
 * What `os run --state FILE` hands core: keeps FILE holding the latest state report of the top init
 * (core's Report session labelled `<init name> -> state`). Each report is written to a temporary file
 * beside FILE and renamed over it, so a script reading FILE never sees half a report.
 */
export function stateFile(file: string, initName: string): (label: string, report: Uint8Array) => void {
  const label = `${initName} -> state`;
  const temporary = `${file}.${process.pid}.tmp`;
  return (reportLabel, report) => {
    if (reportLabel !== label) return;
    writeFileSync(temporary, report);
    renameSync(temporary, file);
  };
}
