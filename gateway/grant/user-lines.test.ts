import { describe, expect, it } from 'vitest';
import { csvFields, UserColumnMissingError, UserLineParser, type ParsedLine } from './user-lines.ts';

const parseAll = (lines: string[]): ParsedLine[] => {
  const parser = new UserLineParser();
  return lines.map((l) => parser.parse(l));
};
const user = (userId: number): ParsedLine => ({ kind: 'user', userId });
const skip: ParsedLine = { kind: 'skip' };

describe('UserLineParser', () => {
  it('reads one id per line, skipping blank lines and a byte order mark, and reports the rest invalid', () => {
    expect(parseAll(['\uFEFF42', '', '  7 ', '0', '-3', 'abc', '12.5', '9007199254740993', '8\r'])).toEqual([
      user(42),
      skip,
      user(7),
      { kind: 'invalid', reason: 'user id "0" is not a positive integer' },
      { kind: 'invalid', reason: 'user id "-3" is not a positive integer' },
      { kind: 'invalid', reason: 'user id "abc" is not a positive integer' },
      { kind: 'invalid', reason: 'user id "12.5" is not a positive integer' },
      { kind: 'invalid', reason: 'user id "9007199254740993" is not a positive integer' },
      user(8),
    ]);
  });

  it('reads the user column of a CSV with a header, quoted fields included', () => {
    expect(parseAll(['email,User_Id,segment', 'a@x,5,gold', '"b,c@x","6",silver', 'c@x,,gold', 'd@x,7'])).toEqual([
      skip,
      user(5),
      user(6),
      { kind: 'invalid', reason: 'user id "" is not a positive integer' },
      { kind: 'invalid', reason: '2 fields, the header has 3' },
    ]);
  });

  it('reads userId of NDJSON objects, as a number or digits', () => {
    expect(parseAll(['{"userId": 1}', '{"userId":"2","x":1}', '{"user":3}', '{oops', '[1]', '{"userId": 1.5}'])).toEqual([
      user(1),
      user(2),
      { kind: 'invalid', reason: 'no user id' },
      { kind: 'invalid', reason: 'not a JSON object' },
      { kind: 'invalid', reason: 'not a JSON object' },
      { kind: 'invalid', reason: 'user id 1.5 is not a positive integer' },
    ]);
  });

  it('refuses a first line that is no id, object or header with a user column', () => {
    expect(() => parseAll(['name,email'])).toThrow(UserColumnMissingError);
  });
});

describe('csvFields', () => {
  it('splits on commas outside quotes and unescapes doubled quotes', () => {
    expect(csvFields('a,"b ""c"", d",,e')).toEqual(['a', 'b "c", d', '', 'e']);
  });
});
