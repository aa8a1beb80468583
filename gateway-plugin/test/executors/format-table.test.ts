import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { EXECUTOR_ERROR_CODES, EXECUTOR_ERROR_SUMMARIES, formatErrorRecord } from '../../src/executors/executor-error';
import { formatDateTime, formatObjects, formatStorageSize, formatTable, OUTPUT_VIEWS } from '../../src/executors/format-table';
import { resultText } from '../../src/executors/node-executor';
import { SIMULATED_CMDLETS } from '../../src/simulator/simulated-cmdlets';
import { COMMAND_TABLE } from '../../src/policy/command-table';

describe('console text in PowerShell\'s layout', () => {
  it('lays Get-ClusterNode out as Name, State, Type under a dashed underline', () => {
    const text = formatObjects('Get-ClusterNode', [
      { Name: 'hci-n01', State: 'Up', Type: 'Node', Id: '1' },
      { Name: 'hci-n02', State: 'Down', Type: 'Node', Id: '2' },
    ]);
    assert.equal(text, ['Name    State Type', '----    ----- ----', 'hci-n01 Up    Node', 'hci-n02 Down  Node', ''].join('\n'));
  });

  it('lays Get-VM out with its renamed columns, right-aligned numbers and memory in MB', () => {
    const text = formatObjects('Get-VM', [
      { Name: 'vm-sql01', State: 'Running', CPUUsage: 11, MemoryAssigned: 17179869184, Uptime: '3.01:00:00', Status: 'Operating normally', Version: '11.0' },
      { Name: 'vm-test01', State: 'Off', CPUUsage: 0, MemoryAssigned: 0, Uptime: '00:00:00', Status: 'Operating normally', Version: '11.0' },
    ]);
    assert.equal(text, [
      'Name      State   CPUUsage(%) MemoryAssigned(M) Uptime     Status             Version',
      '----      -----   ----------- ----------------- ------     ------             -------',
      'vm-sql01  Running          11             16384 3.01:00:00 Operating normally 11.0',
      'vm-test01 Off               0                 0 00:00:00   Operating normally 11.0',
      '',
    ].join('\n'));
  });

  it('shows booleans as True/False, lists in braces, nothing for null, and no control characters', () => {
    const text = formatTable(
      [{ A: true, B: ['x', 'y', 'z', 'w', 'v'], C: null, D: 'bad\u001b[2Jtext' }],
      [{ label: 'A', property: 'A' }, { label: 'B', property: 'B' }, { label: 'C', property: 'C' }, { label: 'D', property: 'D' }],
    );
    assert.equal(text.split('\n')[2], 'True {x, y, z, w...}   bad\uFFFD[2Jtext');
  });

  it('shows sizes the way the Storage module does, and times as en-US UTC', () => {
    assert.equal(formatStorageSize(3840755982336), '3.49 TB');
    assert.equal(formatStorageSize(136365211648), '127 GB');
    assert.equal(formatStorageSize(629141504), '600 MB');
    assert.equal(formatStorageSize(0), '0 B');
    assert.equal(formatDateTime('2026-11-25T21:05:09Z'), '11/25/2026 9:05:09 PM');
    assert.equal(formatDateTime('2026-01-04T00:00:00Z'), '1/4/2026 12:00:00 AM');
    assert.equal(formatDateTime('not a date'), 'not a date');
  });

  it('uses a list for Get-AzureStackHCI, and PowerShell\'s fallback for objects a view does not fit', () => {
    const list = formatObjects('Get-AzureStackHCI', [{ ClusterStatus: 'Clustered', RegistrationStatus: 'Registered' }]);
    assert.match(list, /^ClusterStatus {6}: Clustered\nRegistrationStatus : Registered\nRegistrationDate {3}:\n/);
    assert.equal(formatObjects('Get-VM', [{ Node: 'n1', Cmdlet: 'Get-VM' }]), 'Node Cmdlet\n---- ------\nn1   Get-VM\n');
    assert.match(formatObjects('Unknown-Thing', [{ A: 1, B: 2, C: 3, D: 4, E: 5 }]), /^A : 1\nB : 2\nC : 3\nD : 4\nE : 5\n$/);
    assert.equal(formatObjects('Get-VM', []), '');
  });

  it('prints error records like a PowerShell console', () => {
    const record = {
      message: 'Cannot find any service with service name \'nope\'.', category: 'ObjectNotFound', activity: 'Get-Service', reason: 'ServiceCommandException',
      targetName: 'nope', targetType: 'String', fullyQualifiedErrorId: 'NoServiceFoundForGivenName,Microsoft.PowerShell.Commands.GetServiceCommand',
    };
    assert.equal(formatErrorRecord(record), [
      'Get-Service : Cannot find any service with service name \'nope\'.',
      '    + CategoryInfo          : ObjectNotFound: (nope:String) [Get-Service], ServiceCommandException',
      '    + FullyQualifiedErrorId : NoServiceFoundForGivenName,Microsoft.PowerShell.Commands.GetServiceCommand',
    ].join('\n'));
    assert.equal(resultText('Get-Service', [], [record]), formatErrorRecord(record) + '\n');
  });

  it('has a view for every cmdlet of the table that writes objects, and a simulation for every cmdlet', () => {
    const silent = ['Start-Service', 'Stop-Service', 'Restart-Service', 'Repair-VirtualDisk'];
    for (const { name } of COMMAND_TABLE) {
      assert.ok(SIMULATED_CMDLETS[name], `${name} is simulated`);
      if (!silent.includes(name)) assert.ok(OUTPUT_VIEWS[name], `${name} has a console view`);
    }
    for (const name of Object.keys(OUTPUT_VIEWS)) assert.ok(COMMAND_TABLE.some((c) => c.name === name), `${name} is in the table`);
  });
});

describe('executor error codes', () => {
  const doc = readFileSync(join(__dirname, '..', '..', '..', '..', 'docs', 'executors.md'), 'utf8');

  for (const code of EXECUTOR_ERROR_CODES) {
    it(`documents ${code} and summarises it`, () => {
      assert.ok(doc.includes(`| \`${code}\` |`), `docs/executors.md lists ${code}`);
      assert.ok(EXECUTOR_ERROR_SUMMARIES[code].length > 10);
    });
  }
});
