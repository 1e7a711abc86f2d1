/**
 * Why a record could not be turned into a contract value. `errorType` is what a DLQ record
 * carries; the message says what exactly was wrong.
 */
export type DecodeErrorType = 'MISSING_VALUE' | 'WRONG_MAGIC_BYTE' | 'UNKNOWN_SCHEMA_ID' | 'UNEXPECTED_SCHEMA' | 'MALFORMED_BODY' | 'INVALID_FIELD';

export class DecodeError extends Error {
  constructor(
    readonly errorType: DecodeErrorType,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'DecodeError';
  }
}

/** The schema registry could not be asked (down, timing out): transient, never a DLQ case. */
export class RegistryUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RegistryUnavailableError';
  }
}
