/**
 * The terminal outcomes of a request: what the ledger records (`issue_outcomes.outcome`), what
 * the processor writes to a Redis status and what the status API answers once a request is decided.
 */
export const TERMINAL_OUTCOMES = ['ISSUED', 'REJECTED', 'FAILED'] as const;
export type TerminalOutcome = (typeof TERMINAL_OUTCOMES)[number];
