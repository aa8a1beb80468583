import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ADMIN_LAYOUT, POWERSHELL_LAYOUT, renderCell, renderList, renderTable } from '../src/text/text-table';

describe('the one text-table renderer', () => {
  const rows = [{ name: 'hci-n01', n: 7 }, { name: 'n2', n: 12 }];

  it('lays the admin CLI\'s tables out two spaces apart with underlines as wide as each column', () => {
    const text = renderTable(rows, [{ header: 'Node', value: (r) => r.name }, { header: 'N', value: (r) => r.n }], ADMIN_LAYOUT);
    assert.equal(text, ['Node     N', '-------  --', 'hci-n01  7', 'n2       12', ''].join('\n'));
  });

  it('lays PowerShell\'s tables out one space apart with underlines as long as each header, right-aligning where asked', () => {
    const text = renderTable(rows, [{ header: 'Node', value: (r) => r.name }, { header: 'N', value: (r) => r.n, align: 'right' }], POWERSHELL_LAYOUT);
    assert.equal(text, ['Node     N', '----     -', 'hci-n01  7', 'n2      12', ''].join('\n'));
  });

  it('keeps a multi-line cell\'s lines in its column, in tables and lists', () => {
    const table = renderTable([{ a: 'x', b: 'one\ntwo' }], [{ header: 'A', value: (r) => r.a }, { header: 'B', value: (r) => r.b }]);
    assert.equal(table, ['A  B', '-  ---', 'x  one', '   two', ''].join('\n'));
    assert.equal(renderList([['Id', 1], ['Text', 'one\ntwo']]), ['Id   : 1', 'Text : one', '       two', ''].join('\n'));
  });

  it('shows control characters as U+FFFD and booleans as yes/no, never sends an escape sequence', () => {
    assert.equal(renderCell('bad\u001b[2Jtext\tend'), 'bad\uFFFD[2Jtext    end');
    assert.equal(renderCell(true), 'yes');
    assert.equal(renderCell(null), '');
  });
});
