import { describe, expect, it } from 'vitest';
import { renderFields, renderTable } from './table.ts';

describe('renderTable', () => {
  const rows = [
    { p: 0, lag: 1200, age: '3s' },
    { p: 11, lag: 0, age: null },
  ];

  it('aligns columns, numbers to the right with thousands separators, missing values as -', () => {
    const text = renderTable(rows, [
      { header: 'PARTITION', value: (r) => r.p },
      { header: 'LAG', value: (r) => r.lag },
      { header: 'OLDEST', value: (r) => r.age },
    ]);
    expect(text.split('\n')).toEqual(['PARTITION    LAG  OLDEST', '        0  1,200  3s', '       11      0  -']);
  });

  it('says so when there is nothing', () => {
    expect(renderTable([], [{ header: 'X', value: () => 1 }], 'no records')).toBe('no records');
  });
});

describe('renderFields', () => {
  it('aligns values after the longest key', () => {
    expect(renderFields([['id', 7], ['quantity', 1000], ['ends', null]])).toBe('id:       7\nquantity: 1,000\nends:     -');
  });
});
