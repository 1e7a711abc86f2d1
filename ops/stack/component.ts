/** One server of the embedded stack, with the steps `stack:up` walks through. */
export interface Component {
  /** Name used in messages, pid and log files. */
  readonly name: string;
  /** Where clients reach it. */
  readonly address: string;
  /** Downloads, data directories, config files: everything before the first start. Idempotent. */
  prepare(): Promise<void>;
  /** Starts the server process(es) detached. */
  start(): Promise<void>;
  /** Resolves when the server answers; throws with the reason otherwise. */
  checkHealth(): Promise<void>;
  /** Runs after the first healthy check of a fresh start (users, databases, cluster join). */
  afterStart?(): Promise<void>;
  stop(): Promise<void>;
  /** Seconds to wait for health after a start. */
  readonly startTimeoutMs: number;
  /** Names of its processes (pid files); a start fails fast when one of them exits. */
  readonly processNames: string[];
  /** Log files to point at on failure. */
  readonly logFiles: string[];
}

/** Where one instance of a component lives: its name (process, log and data folder under .stack) and port. */
export interface Instance {
  name: string;
  port: number;
}
