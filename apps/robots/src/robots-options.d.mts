/** The command line, read. */
export type RobotsOptions =
  | { readonly help: true }
  | {
      readonly help: false;
      readonly count: number;
      readonly rate: number;
      readonly hubData: string;
      readonly gateway: string | undefined;
      readonly parent: string | undefined;
      readonly ca: string | undefined;
      readonly duration: number | undefined;
      readonly messages: number | undefined;
      readonly prefix: string;
      readonly maxInFlight: number;
      readonly quiet: boolean;
    };

/** How to run `robots.mjs`. */
export declare const ROBOTS_USAGE: string;

/** Reads the command line; throws `RobotsUsageError` naming what is wrong. */
export declare function robotsOptions(args: readonly string[]): RobotsOptions;
