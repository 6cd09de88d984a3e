// The worker thread edgeCertificates() starts: makes the edge hub's certificates in a realm SES has not locked down.
import { parentPort, workerData } from 'node:worker_threads';
import { makeEdgeCertificates } from './edge-certificates.js';
import type { EdgeHubSettings } from './settings.js';

const { settings, certsFolder } = workerData as { settings: EdgeHubSettings; certsFolder: string };
try {
  parentPort?.postMessage({ certificates: await makeEdgeCertificates(settings, certsFolder) });
} catch (error) {
  parentPort?.postMessage({ error: error instanceof Error ? error.message : String(error) });
}
