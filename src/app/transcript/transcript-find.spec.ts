import { entries } from '../testing/fixtures';
import { findMatches, highlight } from './transcript-find';
import { snippetParts } from '../history/history.component';

describe('find in transcript', () => {
  it('marks every occurrence, in any case', () => {
    expect(highlight('Get-Service ClusSvc; get-service vmms', 'GET-SERVICE')).toEqual([
      { text: 'Get-Service', match: true },
      { text: ' ClusSvc; ', match: false },
      { text: 'get-service', match: true },
      { text: ' vmms', match: false },
    ]);
    expect(highlight('abc', '')).toEqual([{ text: 'abc', match: false }]);
  });

  it('finds the entries whose text or node matches, in order', () => {
    const list = entries(8);
    expect(findMatches(list, 'node4')).toEqual([5]);
    expect(findMatches(list, 'HCI-N02')).toEqual(list.filter((e) => e.node === 'hci-n02').map((e) => e.seq));
    expect(findMatches(list, '   ')).toEqual([]);
  });

  it('splits a search snippet at the words the gateway bracketed', () => {
    expect(snippetParts('…ran [Restart]-Service [ClusSvc] on')).toEqual([
      { text: '…ran ', match: false },
      { text: 'Restart', match: true },
      { text: '-Service ', match: false },
      { text: 'ClusSvc', match: true },
      { text: ' on', match: false },
    ]);
  });
});
