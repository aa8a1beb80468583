import { commandValue, repairCommandLine } from './waiting-repair-command';

describe('repairCommandLine', () => {
  it('writes the cmdlet and each parameter as the engineer types it', () => {
    expect(repairCommandLine('Restart-Service', { Name: 'ClusSvc' })).toBe('Restart-Service -Name ClusSvc');
    expect(repairCommandLine('Get-Service', { Name: ['vmms', 'vmcompute'] })).toBe('Get-Service -Name vmms,vmcompute');
    expect(repairCommandLine('Repair-VirtualDisk', { FriendlyName: 'Volume01', Force: true })).toBe('Repair-VirtualDisk -FriendlyName Volume01 -Force');
    expect(repairCommandLine('Get-ClusterNode', {})).toBe('Get-ClusterNode');
    expect(repairCommandLine('Get-ClusterNode', null)).toBe('Get-ClusterNode');
  });

  it('quotes only what the gateway would not read back as the same text', () => {
    expect(commandValue('C:\\ClusterStorage\\Volume1')).toBe('C:\\ClusterStorage\\Volume1');
    expect(commandValue('vm-*')).toBe('vm-*');
    expect(commandValue('42')).toBe('42');
    expect(commandValue('Volume 01')).toBe("'Volume 01'");
    expect(commandValue("Bob's")).toBe("'Bob''s'");
    expect(commandValue('-Force')).toBe("'-Force'");
    expect(commandValue('007')).toBe("'007'");
    expect(commandValue('1kb')).toBe("'1kb'");
    expect(commandValue('')).toBe("''");
    expect(commandValue('a$b')).toBe("'a$b'");
  });
});
