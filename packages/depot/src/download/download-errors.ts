import { DepotError } from '../errors.js';

/** The download component's `<config>` is malformed: the message names the attribute or node, its line, the fix. */
export class DownloadConfigError extends DepotError {}

/**
 * The depot answered with more bytes than the config allows for one file (`max_archive_bytes`), by its
 * `Content-Length` or by what it streamed: nothing of the response is kept.
 */
export class ResponseTooLarge extends DepotError {}

/**
 * The depot server cannot be reached or broke off (connection refused or reset, a timeout, a 5xx answer, a body cut
 * short): a passing condition, so the download retries with backoff and reports each retry.
 */
export class DepotUnreachable extends DepotError {}

/** The depot answered a request with a status that is neither 200, 404 nor a passing failure (403, 400, ...). */
export class UnexpectedResponse extends DepotError {}

/**
 * The network refused the request for good: the net server's policy does not let the download connect there, or TLS
 * failed. Retrying does not help; the config (the depot's url, net's policy) must change.
 */
export class FetchFailed extends DepotError {}
