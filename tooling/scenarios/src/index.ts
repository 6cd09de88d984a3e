export {
  runScenario,
  SCENARIO_BINARIES,
  fault,
  STATE_REPORT_LABEL,
  DEFAULT_WAIT_MS,
  type ScenarioRun,
  type ScenarioOptions,
} from './runner.js';
export { stateMatches } from './state-match.js';
export { ScenarioError } from './scenario-error.js';
