import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadFixture } from '../../src/simulator/fixture';
import { ExecutorFixture } from '../../src/simulator/cluster-state';
import { outputView } from '../../src/executors/format-table';
import { NodeResult } from '../../src/executors/node-executor';
import { COMMAND_TABLE, ParameterValue, ValueRule } from '../../src/policy/command-table';
import { harnessPerTest } from '../fixtures/executor-harness';

/**
 * Every allowlisted cmdlet against the simulated cluster, through the
 * NodeExecutor interface, with each of its parameters at least once. The
 * cases are keyed by cmdlet and checked against COMMAND_TABLE, so a new
 * table entry (or a new parameter) without a simulated case fails here.
 */

interface Case {
  parameters: Record<string, ParameterValue>;
  node?: string;
  check: (r: NodeResult) => void;
}

const fixture = loadFixture() as ExecutorFixture;
const n01Disks = fixture.objects!.nodes!['hci-n01']!.physicalDisks!;
const VHD_DC01 = 'C:\\ClusterStorage\\UserStorage_1\\vm-dc01\\Virtual Hard Disks\\vm-dc01-os.vhdx';

const names = (r: NodeResult, p = 'Name') => r.objects.map((o) => o[p]);
const noErrors = (r: NodeResult) => assert.deepEqual(r.errors, []);
const oneError = (r: NodeResult, category: string, text: RegExp) => {
  assert.equal(r.errors.length, 1, 'one error record');
  assert.equal(r.errors[0]!.category, category);
  assert.match(r.errors[0]!.message, text);
  assert.match(r.text, text, 'the error is in the console text');
};

/** The properties each cmdlet's objects carry, as the real cmdlet names them. Commands that write nothing map to []. */
const PROPERTIES: Record<string, string[]> = {
  'Get-AzureStackHCI': ['ClusterStatus', 'RegistrationStatus', 'RegistrationDate', 'AzureResourceName', 'AzureResourceUri', 'ConnectionStatus', 'LastConnected', 'NextSync', 'IMDSAttestation', 'DiagnosticLevel', 'Region'],
  'Get-Cluster': ['Name', 'Domain', 'Id', 'S2DEnabled', 'SharedVolumesRoot', 'ClusterFunctionalLevel'],
  'Get-ClusterGroup': ['Name', 'OwnerNode', 'State', 'GroupType', 'Priority', 'IsCoreGroup', 'Id'],
  'Get-ClusterNode': ['Name', 'State', 'Type', 'Id', 'NodeName', 'DrainStatus', 'NodeWeight', 'DynamicWeight'],
  'Get-ClusterOwnerNode': ['ClusterObject', 'OwnerNodes'],
  'Get-ClusterResource': ['Name', 'State', 'OwnerGroup', 'ResourceType', 'OwnerNode', 'Id'],
  'Get-ClusterSharedVolume': ['Name', 'State', 'OwnerNode', 'Id', 'SharedVolumeInfo'],
  'Get-NetAdapter': ['Name', 'InterfaceDescription', 'ifIndex', 'Status', 'MacAddress', 'LinkSpeed', 'MediaType', 'Virtual', 'ConnectorPresent', 'HardwareInterface'],
  'Get-NetAdapterRdma': ['Name', 'InterfaceDescription', 'Enabled', 'Operational', 'PFC', 'ETS'],
  'Get-PhysicalDisk': ['Number', 'DeviceId', 'FriendlyName', 'SerialNumber', 'MediaType', 'BusType', 'CanPool', 'OperationalStatus', 'HealthStatus', 'Usage', 'Size'],
  'Get-StorageEnclosure': ['FriendlyName', 'SerialNumber', 'NumberOfSlots', 'OperationalStatus', 'HealthStatus'],
  'Get-StorageJob': ['Name', 'IsBackgroundTask', 'ElapsedTime', 'JobState', 'PercentComplete', 'BytesProcessed', 'BytesTotal'],
  'Get-StorageNode': ['Name', 'Manufacturer', 'Model', 'SerialNumber', 'OperationalStatus'],
  'Get-StorageSubsystem': ['FriendlyName', 'HealthStatus', 'OperationalStatus', 'Model'],
  'Get-VHD': ['ComputerName', 'Path', 'VhdFormat', 'VhdType', 'FileSize', 'Size', 'MinimumSize', 'FragmentationPercentage', 'Attached', 'DiskIdentifier'],
  'Get-VirtualDisk': ['FriendlyName', 'ResiliencySettingName', 'FaultDomainRedundancy', 'OperationalStatus', 'HealthStatus', 'Size', 'FootprintOnPool'],
  'Get-VM': ['Name', 'State', 'CPUUsage', 'MemoryAssigned', 'Uptime', 'Status', 'Version', 'ComputerName', 'VMId', 'Generation'],
  'Get-VMHost': ['Name', 'LogicalProcessorCount', 'MemoryCapacity', 'VirtualMachineMigrationEnabled', 'ComputerName'],
  'Get-VMSwitch': ['Name', 'SwitchType', 'NetAdapterInterfaceDescription', 'ComputerName'],
  'Get-Volume': ['DriveLetter', 'FriendlyName', 'FileSystemLabel', 'FileSystemType', 'DriveType', 'HealthStatus', 'OperationalStatus', 'SizeRemaining', 'Size'],
  'Get-Service': ['Status', 'Name', 'DisplayName', 'StartType', 'DependentServices', 'ServicesDependedOn'],
  'Start-Service': [],
  'Stop-Service': [],
  'Restart-Service': [],
  'Repair-VirtualDisk': [],
};

const CASES: Record<string, Case[]> = {
  'Get-AzureStackHCI': [
    { parameters: {}, check: (r) => { assert.equal(r.objects.length, 1); assert.equal(r.objects[0]!['RegistrationStatus'], 'Registered'); assert.equal(r.objects[0]!['ConnectionStatus'], 'Connected'); } },
  ],
  'Get-Cluster': [
    { parameters: {}, check: (r) => assert.deepEqual(names(r), ['hci-cl01']) },
  ],
  'Get-ClusterGroup': [
    { parameters: {}, check: (r) => { assert.equal(r.objects.length, 14); assert.ok(names(r).includes('Cluster Group')); } },
    { parameters: { Name: 'VM-SQL*' }, check: (r) => { assert.deepEqual(names(r), ['vm-sql01', 'vm-sql02']); noErrors(r); } },
    { parameters: { Name: ['Cluster Group', 'no-such-role'] }, check: (r) => { assert.deepEqual(names(r), ['Cluster Group']); oneError(r, 'ObjectNotFound', /no-such-role/); } },
  ],
  'Get-ClusterNode': [
    { parameters: {}, check: (r) => { assert.deepEqual(names(r), ['hci-n01', 'hci-n02', 'hci-n03', 'hci-n04']); assert.deepEqual(names(r, 'State'), ['Up', 'Up', 'Up', 'Up']); } },
    { parameters: { Name: ['hci-n04', 'HCI-N02'] }, check: (r) => assert.deepEqual(names(r), ['hci-n02', 'hci-n04']) },
  ],
  'Get-ClusterOwnerNode': [
    { parameters: { Group: 'vm-dc01' }, check: (r) => assert.deepEqual(r.objects, [{ ClusterObject: 'vm-dc01', OwnerNodes: ['hci-n01', 'hci-n02'] }]) },
    { parameters: { Resource: 'Cluster Name' }, check: (r) => assert.deepEqual(r.objects[0]!['OwnerNodes'], ['hci-n01', 'hci-n02', 'hci-n03', 'hci-n04']) },
  ],
  'Get-ClusterResource': [
    { parameters: { Name: 'Virtual Machine vm-*' }, check: (r) => { assert.equal(r.objects.length, 12); assert.ok(r.objects.every((o) => o['ResourceType'] === 'Virtual Machine')); } },
  ],
  'Get-ClusterSharedVolume': [
    { parameters: { Name: '*(UserStorage_*' }, check: (r) => assert.deepEqual(names(r), ['Cluster Virtual Disk (UserStorage_1)', 'Cluster Virtual Disk (UserStorage_2)']) },
  ],
  'Get-NetAdapter': [
    { parameters: {}, check: (r) => assert.equal(r.objects.length, 5) },
    { parameters: { Physical: true }, check: (r) => { assert.deepEqual(names(r), ['ethernet', 'ethernet 2', 'SMB1', 'SMB2']); } },
    { parameters: { IncludeHidden: true }, check: (r) => { assert.equal(r.objects.length, 7); assert.ok(names(r).includes('Local Area Connection* 2')); } },
    { parameters: { Name: 'smb*', Physical: true }, check: (r) => assert.deepEqual(names(r), ['SMB1', 'SMB2']) },
  ],
  'Get-NetAdapterRdma': [
    { parameters: { Name: 'SMB*' }, check: (r) => { assert.deepEqual(names(r), ['SMB1', 'SMB2']); assert.deepEqual(names(r, 'Enabled'), [true, true]); } },
    { parameters: { Name: 'SMB2' }, node: 'hci-n03', check: (r) => assert.equal(r.objects[0]!['Operational'], false, 'the misconfigured adapter diagnostics should find') },
  ],
  'Get-PhysicalDisk': [
    { parameters: {}, check: (r) => assert.equal(r.objects.length, 7) },
    { parameters: { FriendlyName: 'samsung*' }, check: (r) => assert.equal(r.objects.length, 4) },
    { parameters: { SerialNumber: n01Disks[3]!['SerialNumber'] as string }, check: (r) => assert.deepEqual(names(r, 'Number'), [3]) },
    { parameters: { SerialNumber: ['S6VNNA0W1*', 'NOSUCHSERIAL'] }, check: (r) => { assert.equal(r.objects.length, 4); oneError(r, 'ObjectNotFound', /NOSUCHSERIAL/); } },
    { parameters: { HealthStatus: 'Warning' }, node: 'hci-n02', check: (r) => { assert.equal(r.objects.length, 1); assert.equal(r.objects[0]!['OperationalStatus'], 'Lost Communication'); } },
    { parameters: { HealthStatus: 'Warning' }, node: 'hci-n01', check: (r) => { assert.equal(r.objects.length, 0); assert.equal(r.text, ''); } },
    { parameters: { Usage: 'Journal' }, check: (r) => assert.deepEqual(names(r, 'Number'), [1, 2]) },
    { parameters: { Usage: 'AutoSelect', FriendlyName: 'DELLBOSS VD' }, check: (r) => assert.deepEqual(names(r, 'Usage'), ['Auto-Select']) },
  ],
  'Get-StorageEnclosure': [
    { parameters: { FriendlyName: 'DELL BP15G-EXP 2' }, check: (r) => assert.deepEqual(names(r, 'FriendlyName'), ['DELL BP15G-EXP 2']) },
  ],
  'Get-StorageJob': [
    { parameters: {}, check: (r) => { assert.equal(r.objects.length, 1); assert.equal(r.objects[0]!['JobState'], 'Running'); } },
    { parameters: { Name: 'UserStorage_1*' }, check: (r) => assert.deepEqual(names(r), ['UserStorage_1-Repair']) },
  ],
  'Get-StorageNode': [
    { parameters: { Name: 'hci-n02.contoso.local' }, check: (r) => assert.deepEqual(names(r, 'OperationalStatus'), ['Up']) },
  ],
  'Get-StorageSubsystem': [
    { parameters: { FriendlyName: 'Clustered*' }, check: (r) => { assert.equal(r.objects.length, 1); assert.equal(r.objects[0]!['HealthStatus'], 'Warning'); } },
  ],
  'Get-VHD': [
    { parameters: { Path: VHD_DC01 }, check: (r) => { assert.equal(r.objects[0]!['Attached'], true); assert.equal(r.objects[0]!['VhdFormat'], 'VHDX'); noErrors(r); } },
    {
      parameters: { Path: 'C:\\ClusterStorage\\UserStorage_1\\gone\\gone.vhdx' },
      check: (r) => { assert.equal(r.objects.length, 0); oneError(r, 'ObjectNotFound', /Getting the mounted storage instance for the path 'C:\\ClusterStorage\\UserStorage_1\\gone\\gone.vhdx' failed/); assert.equal(r.errors[0]!.fullyQualifiedErrorId, 'ObjectNotFound,Microsoft.Vhd.PowerShell.Cmdlets.GetVHD'); },
    },
  ],
  'Get-VirtualDisk': [
    { parameters: {}, check: (r) => assert.equal(r.objects.length, 4) },
    { parameters: { FriendlyName: 'UserStorage_2' }, check: (r) => { assert.equal(r.objects[0]!['OperationalStatus'], 'Degraded'); assert.equal(r.objects[0]!['HealthStatus'], 'Warning'); } },
  ],
  'Get-VM': [
    { parameters: {}, check: (r) => assert.deepEqual(names(r), ['vm-dc01', 'vm-sql01', 'vm-web01']) },
    { parameters: { Name: 'vm-sql01' }, check: (r) => assert.deepEqual(names(r), ['vm-sql01']) },
    { parameters: { Name: 'vm-dc02' }, check: (r) => { assert.equal(r.objects.length, 0); oneError(r, 'InvalidArgument', /Hyper-V was unable to find a virtual machine with name "vm-dc02"/); } },
  ],
  'Get-VMHost': [
    { parameters: {}, node: 'hci-n04', check: (r) => { assert.deepEqual(names(r), ['hci-n04']); assert.equal(r.objects[0]!['LogicalProcessorCount'], 64); } },
  ],
  'Get-VMSwitch': [
    { parameters: { SwitchType: 'External' }, check: (r) => assert.deepEqual(names(r), ['ConvergedSwitch(managementcompute)']) },
    { parameters: { SwitchType: 'private' }, check: (r) => assert.deepEqual(names(r), ['Isolated-Lab']) },
    { parameters: { SwitchType: 'Private' }, node: 'hci-n02', check: (r) => assert.deepEqual(r.objects, []) },
    { parameters: { Name: 'Internal*', SwitchType: 'Internal' }, check: (r) => assert.deepEqual(names(r), ['InternalNAT']) },
  ],
  'Get-Volume': [
    { parameters: { DriveLetter: 'c' }, check: (r) => assert.deepEqual(names(r, 'FileSystemLabel'), ['OS']) },
    { parameters: { DriveLetter: ['C', 'Z'] }, check: (r) => { assert.equal(r.objects.length, 1); oneError(r, 'ObjectNotFound', /property 'DriveLetter' equal to 'Z'/); } },
    { parameters: { FileSystemLabel: 'UserStorage*' }, check: (r) => { assert.deepEqual(names(r, 'FileSystemLabel'), ['UserStorage_1', 'UserStorage_2']); assert.ok(r.objects.every((o) => o['FileSystemType'] === 'CSVFS_ReFS')); } },
  ],
  'Get-Service': [
    { parameters: {}, check: (r) => assert.ok(names(r).includes('WinRM')) },
    { parameters: { Name: ['ClusSvc', 'vmms'] }, check: (r) => { assert.deepEqual(names(r), ['ClusSvc', 'vmms']); assert.deepEqual(names(r, 'Status'), ['Running', 'Running']); } },
  ],
  'Start-Service': [
    { parameters: { Name: 'NetworkATC' }, check: (r) => { assert.deepEqual(r.objects, []); noErrors(r); assert.equal(r.text, ''); } },
  ],
  'Stop-Service': [
    { parameters: { Name: 'smphost' }, check: (r) => { assert.deepEqual(r.objects, []); noErrors(r); } },
  ],
  'Restart-Service': [
    { parameters: { Name: ['vmcompute', 'NetworkATC'] }, check: (r) => { assert.deepEqual(r.objects, []); noErrors(r); } },
  ],
  'Repair-VirtualDisk': [
    { parameters: { FriendlyName: 'UserStorage_2' }, check: (r) => { assert.deepEqual(r.objects, []); noErrors(r); } },
    { parameters: { FriendlyName: 'NoSuchDisk' }, check: (r) => oneError(r, 'ObjectNotFound', /No MSFT_VirtualDisk objects found with property 'FriendlyName' equal to 'NoSuchDisk'/) },
  ],
};

/** Whether a test value is one the policy would accept, so the cases stay realistic. */
function allowed(rule: ValueRule, value: ParameterValue): boolean {
  const each = (v: string) =>
    rule.kind === 'set' ? rule.values.some((x) => x.toLowerCase() === v.toLowerCase()) : rule.kind === 'pattern' ? new RegExp(rule.pattern).test(v) : false;
  switch (rule.kind) {
    case 'switch':
      return value === true;
    default:
      if (Array.isArray(value)) return rule.list === true && value.every(each);
      return typeof value === 'string' && each(value);
  }
}

describe('the simulated cluster answers every allowlisted cmdlet', () => {
  const harness = harnessPerTest();

  it('has cases for every cmdlet of the command table, covering each of its parameters with allowed values', () => {
    for (const entry of COMMAND_TABLE) {
      const cases = CASES[entry.name];
      assert.ok(cases && cases.length > 0, `${entry.name} has simulated cases`);
      assert.ok(PROPERTIES[entry.name], `${entry.name} has expected property names`);
      const used = new Set(cases.flatMap((c) => Object.keys(c.parameters)));
      for (const p of entry.parameters) assert.ok(used.has(p.name), `${entry.name} -${p.name} is exercised`);
      for (const c of cases) {
        for (const [name, value] of Object.entries(c.parameters)) {
          const spec = entry.parameters.find((p) => p.name === name);
          assert.ok(spec, `${entry.name} has a parameter ${name}`);
          assert.ok(allowed(spec.rule, value), `${entry.name} -${name} ${JSON.stringify(value)} is a value the policy allows`);
        }
      }
    }
    assert.deepEqual(Object.keys(CASES).sort(), COMMAND_TABLE.map((e) => e.name).sort(), 'no cases for cmdlets the table does not have');
  });

  for (const entry of COMMAND_TABLE) {
    for (const [i, c] of (CASES[entry.name] ?? []).entries()) {
      it(`runs ${entry.name} ${JSON.stringify(c.parameters)} on ${c.node ?? 'hci-n01'} (case ${i + 1})`, async () => {
        const r = await harness().run(c.node ?? 'hci-n01', entry.name, c.parameters);
        assert.equal(r.cmdlet, entry.name);
        assert.equal(r.node, c.node ?? 'hci-n01');
        for (const o of r.objects) {
          for (const p of PROPERTIES[entry.name]!) assert.ok(Object.prototype.hasOwnProperty.call(o, p), `${entry.name} objects have ${p}`);
        }
        if (r.objects.length > 0) {
          const view = outputView(entry.name);
          assert.ok(view, `${entry.name} has a console view`);
          const lines = r.text.split('\n');
          if (view.kind === 'table') {
            assert.deepEqual(lines[0]!.split(/\s+/).filter(Boolean), view.columns.map((col) => col.label), 'the header names the view columns');
            assert.match(lines[1]!, /^-+( +-+)*$/, 'a dashed underline follows the header');
          } else {
            assert.match(lines[0]!, new RegExp(`^${view.columns[0]!.label} +: `), 'a list starts with its first label');
          }
          for (const col of view.columns) {
            for (const o of r.objects) assert.ok(Object.prototype.hasOwnProperty.call(o, col.property), `${entry.name} objects have the view's ${col.property}`);
          }
        }
        c.check(r);
      });
    }
  }

  it('returns the same cluster-wide objects from every node, and each node its own per-node objects', async () => {
    const h = harness();
    const clusterWide = ['Get-AzureStackHCI', 'Get-Cluster', 'Get-ClusterGroup', 'Get-ClusterNode', 'Get-ClusterResource', 'Get-ClusterSharedVolume', 'Get-StorageEnclosure', 'Get-StorageJob', 'Get-StorageNode', 'Get-StorageSubsystem', 'Get-VirtualDisk'];
    for (const cmdlet of clusterWide) {
      const first = await h.objects('hci-n01', cmdlet);
      for (const node of ['hci-n02', 'hci-n03', 'hci-n04']) assert.deepEqual(await h.objects(node, cmdlet), first, `${cmdlet} on ${node}`);
    }
    const csv = async (node: string) => (await h.objects(node, 'Get-Volume')).filter((v) => v['FileSystemType'] === 'CSVFS_ReFS');
    assert.deepEqual(await csv('hci-n04'), await csv('hci-n01'), 'the CSV volumes are the same everywhere');

    const perNode = { 'Get-VM': 'Name', 'Get-VMHost': 'Name', 'Get-PhysicalDisk': 'SerialNumber', 'Get-NetAdapter': 'MacAddress', 'Get-VMSwitch': 'ComputerName' };
    for (const [cmdlet, key] of Object.entries(perNode)) {
      const seen = await Promise.all(['hci-n01', 'hci-n02', 'hci-n03', 'hci-n04'].map((n) => h.values(n, cmdlet, {}, key)));
      for (let i = 1; i < seen.length; i++) assert.notDeepEqual(seen[i], seen[0], `${cmdlet} differs between nodes`);
    }
    assert.deepEqual(await h.values('hci-n02', 'Get-Service', { Name: 'vmms' }, 'Status'), ['Running']);
  });

  it('lays Get-PhysicalDisk out in PowerShell columns, with sizes right-aligned in storage units', async () => {
    const r = await harness().run('hci-n02', 'Get-PhysicalDisk', { HealthStatus: 'Warning' });
    const [header, dashes, row] = r.text.split('\n');
    assert.match(header!, /^Number FriendlyName +SerialNumber +MediaType CanPool OperationalStatus +HealthStatus Usage +Size$/);
    assert.match(dashes!, /^------ ------------ +------------ +--------- ------- ----------------- +------------ ----- +----$/);
    assert.match(row!, /^ {5}5 SAMSUNG MZILG3T8HCLS0D3 +S6VNNA0W2\w+ +SSD +False +Lost Communication Warning +Auto-Select 3\.49 TB$/);
    assert.equal(header!.length, row!.length, 'the right-aligned Size ends where its header ends');
  });
});
