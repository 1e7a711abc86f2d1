/**
 * What the processor does with a fatal error: the first one stops the process and is logged as
 * the reason it exits (a supervisor, or an operator reading the log's last fatal line, sees it);
 * one raised while the process stops — for that error or for a signal — follows from the stop
 * (the producer failing after the consumer was fenced, say) and is logged as such, not as a reason.
 */
import type { Logger } from 'pino';

export function fatalErrors(log: Logger, isStopping: () => boolean, stop: (err: Error) => void): (err: Error) => void {
  return (err) => {
    if (isStopping()) {
      log.error({ err }, 'an error while stopping; the process exits for what stopped it');
      return;
    }
    log.fatal({ err }, 'fatal processing error; exiting so a supervisor restarts a fresh instance');
    stop(err);
  };
}
