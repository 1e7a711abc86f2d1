/**
 * Reading user ids out of a grant's lines, one line at a time (pure; the I/O is grant-input.ts).
 * The format is decided by the first non-blank line: `{` starts NDJSON (`{"userId": 42, ...}`);
 * a positive integer starts a list of one id per line; anything else is a CSV header naming the
 * user column (`userId`, `user_id` or `id`, any case). Blank lines are skipped silently; every
 * other line that does not yield one positive integer id is invalid, with its reason.
 */

export type ParsedLine = { kind: 'user'; userId: number } | { kind: 'invalid'; reason: string } | { kind: 'skip' };

const USER_COLUMNS = ['userid', 'user_id', 'id'];
const INTEGER = /^[0-9]+$/;

type Format = { kind: 'ids' } | { kind: 'ndjson' } | { kind: 'csv'; column: number; columns: number };

/** The header line named no user column: the whole input is unusable (not a line-level problem). */
export class UserColumnMissingError extends Error {
  override name = 'UserColumnMissingError';
}

/** A user id: a positive safe integer, written as one (a JSON number or digits in a string). */
function userIdOf(value: unknown): number | string {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value > 0 ? value : `user id ${value} is not a positive integer`;
  if (typeof value !== 'string') return value === undefined ? 'no user id' : `user id ${JSON.stringify(value)} is not a positive integer`;
  const text = value.trim();
  const id = INTEGER.test(text) ? Number(text) : NaN;
  return Number.isSafeInteger(id) && id > 0 ? id : `user id "${text.slice(0, 40)}" is not a positive integer`;
}

/** Splits one CSV line (RFC 4180 quoting, no embedded line breaks). */
export function csvFields(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field.length === 0) quoted = true;
    else if (ch === ',') {
      fields.push(field);
      field = '';
    } else field += ch;
  }
  fields.push(field);
  return fields;
}

export class UserLineParser {
  private format: Format | undefined;

  /** The format found so far (undefined before the first non-blank line). */
  get formatName(): Format['kind'] | undefined {
    return this.format?.kind;
  }

  parse(raw: string): ParsedLine {
    const line = raw.replace(/^\uFEFF/, '').replace(/\r$/, '');
    if (line.trim() === '') return { kind: 'skip' };
    if (!this.format) {
      const first = line.trim();
      if (first.startsWith('{')) this.format = { kind: 'ndjson' };
      else if (typeof userIdOf(first) === 'number') this.format = { kind: 'ids' };
      else return this.header(line);
    }
    return this.user(line);
  }

  private header(line: string): ParsedLine {
    const names = csvFields(line).map((n) => n.trim().toLowerCase());
    const column = USER_COLUMNS.map((c) => names.indexOf(c)).find((i) => i >= 0);
    if (column === undefined) throw new UserColumnMissingError(`the first line is neither a user id, a JSON object nor a CSV header with a ${USER_COLUMNS.join(' / ')} column: "${line.slice(0, 80)}"`);
    this.format = { kind: 'csv', column, columns: names.length };
    return { kind: 'skip' };
  }

  private user(line: string): ParsedLine {
    const format = this.format!;
    let id: number | string;
    if (format.kind === 'ids') id = userIdOf(line);
    else if (format.kind === 'csv') {
      const fields = csvFields(line);
      id = fields.length === format.columns ? userIdOf(fields[format.column]) : `${fields.length} fields, the header has ${format.columns}`;
    } else {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        return { kind: 'invalid', reason: 'not a JSON object' };
      }
      id = value !== null && typeof value === 'object' && !Array.isArray(value) ? userIdOf((value as Record<string, unknown>).userId) : 'not a JSON object';
    }
    return typeof id === 'number' ? { kind: 'user', userId: id } : { kind: 'invalid', reason: id };
  }
}
