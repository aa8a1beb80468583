import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { ChannelClient } from '../src/console/channel-client';
import { LiveEvent } from '../src/events/event-hub';
import { findDenial, parseDenyRules } from '../src/policy/deny-list';
import { FakeClock } from '../src/test-support/fake-clock';
import { CLUSTER, FEATURE, installAgent, Loose, startTestGateway, TestGateway, VALID_GRANT } from './helpers/gateway-fixture';

const CASE = '2611250010001234';
const NODES = ['hci-n01', 'hci-n02', 'hci-n03', 'hci-n04'];

describe('the deny list', () => {
  let t: TestGateway;
  let token: string;
  const clients: ChannelClient[] = [];
  const events: LiveEvent[] = [];

  const put = (rules: unknown, api = t.api) => api.send('PUT', `${FEATURE}/deny-list`, { rules });
  const grant = async (body: Record<string, unknown> = {}) => {
    const res = await t.api.post(`${FEATURE}/access`, { ...VALID_GRANT, accessLevel: 'DiagnosticsRepair', supportCaseNumber: CASE, ...body });
    assert.equal(res.status, 201, res.text);
  };
  const openSession = async () => {
    const c = await ChannelClient.connect(t.gateway.channelUrl, token, { ca: t.gateway.caCert });
    clients.push(c);
    const opened = await c.open(CASE);
    return { c, opened };
  };

  before(async () => {
    t = await startTestGateway({ clock: new FakeClock(Date.now()) });
    await installAgent(t);
    token = await t.gateway.identityProvider!.buildToken(undefined, 7 * 24 * 3600);
    t.gateway.events.subscribe((e) => events.push(e));
  });
  beforeEach(async () => {
    events.length = 0;
    await t.api.delete(`${FEATURE}/access`);
    assert.equal((await put([])).status, 200);
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.terminate();
  });
  after(async () => t.stop());

  it('refuses a listed repair before it asks for approval, with the rule\'s reason, and records it', async () => {
    const saved = await put([{ cmdlet: 'restart-service', parameters: { name: 'clussvc' }, nodes: ['HCI-N02'], reason: 'hci-n02 hosts the billing SQL role; restarts only in the Sunday window' }]);
    assert.equal(saved.status, 200, saved.text);
    assert.deepEqual(saved.body.rules, [{ cmdlet: 'Restart-Service', parameters: { Name: 'ClusSvc' }, nodes: ['hci-n02'], reason: 'hci-n02 hosts the billing SQL role; restarts only in the Sunday window' }], 'stored in the table\'s spelling');
    await grant();
    const { c, opened } = await openSession();

    const refused = await c.run('Restart-Service -Name ClusSvc', ['hci-n02']);
    assert.equal(refused.denied?.reason, 'deny-list');
    assert.equal(refused.denied?.message, "The customer's deny list refuses Restart-Service on hci-n02: hci-n02 hosts the billing SQL role; restarts only in the Sunday window");
    assert.equal(refused.approvalPending, null, 'it never asked');
    assert.ok(!events.some((e) => e.type === 'repair.pending'));
    const entries = t.gateway.sessions.allEntries(opened.sessionId);
    assert.ok(entries.some((e) => e.kind === 'denied' && /^Restart-Service -Name ClusSvc\n-> denied \(deny-list\): .*Sunday window$/.test(e.text)));
    assert.ok(!entries.some((e) => e.kind === 'command'));

    // The same repair on another node is not covered: it asks as usual.
    const elsewhere = c.run('Restart-Service -Name ClusSvc', ['hci-n03']);
    await new Promise<void>((resolve) => {
      const check = () => (t.gateway.channel.approvals.pending(CLUSTER).length ? resolve() : setImmediate(check));
      check();
    });
    const [pending] = t.gateway.channel.approvals.pending(CLUSTER);
    await t.api.post(`${FEATURE}/approvals/${pending!.id}`, { decision: 'refuse' });
    assert.equal((await elsewhere).denied?.reason, 'repair-refused');
  });

  it('refuses an approved repair when a rule the customer added while it waited covers it', async () => {
    await grant();
    const { c, opened } = await openSession();
    const running = c.run('Restart-Service -Name HciSvc', ['hci-n01']);
    await new Promise<void>((resolve) => {
      const check = () => (t.gateway.channel.approvals.pending(CLUSTER).length ? resolve() : setImmediate(check));
      check();
    });
    const [pending] = t.gateway.channel.approvals.pending(CLUSTER);
    assert.equal((await put([{ cmdlet: 'Restart-Service', parameters: { Name: 'HciSvc' }, reason: 'HciSvc restarts go through Microsoft support' }])).status, 200);
    assert.equal((await t.api.post(`${FEATURE}/approvals/${pending!.id}`, { decision: 'approve' })).status, 200);
    const reply = await running;
    assert.equal(reply.denied?.reason, 'deny-list');
    assert.ok(!t.gateway.sessions.allEntries(opened.sessionId).some((e) => e.kind === 'command'), 'it never ran');
  });

  it('refuses a listed command at any level, a Diagnostics read included, and a list value when any of its values is listed', async () => {
    assert.equal((await put([
      { cmdlet: 'Get-VM', parameters: { Name: 'vm-hr01' }, reason: 'HR VMs are out of scope for support' },
      { cmdlet: 'Stop-Service', parameters: { Name: ['vmms', 'vmcompute'] }, reason: 'never stop Hyper-V' },
    ])).status, 200);
    await grant({ repairApproval: false });
    const { c } = await openSession();
    const read = await c.run('Get-VM -Name vm-hr01');
    assert.equal(read.denied?.reason, 'deny-list');
    assert.match(read.denied!.message, /HR VMs are out of scope/);
    const other = await c.run('Get-VM -Name vm-web01', ['hci-n01']);
    assert.equal(other.denied, null);
    const listed = await c.run('Stop-Service -Name HciSvc,VMMS', ['hci-n01']);
    assert.equal(listed.denied?.reason, 'deny-list');
  });

  it('refuses a command on the node that owns a listed cluster role, and lets it run where the role is not', async () => {
    assert.equal((await put([{ cmdlet: 'Restart-Service', parameters: { Name: 'ClusSvc' }, hostsRoles: ['vm-sql02'], reason: 'never restart ClusSvc on the node hosting the SQL role' }])).status, 200);
    await grant({ repairApproval: false });
    const { c } = await openSession();
    // vm-sql02 is owned by hci-n02 in the simulated cluster (Get-ClusterGroup says so).
    const owner = await c.run('Restart-Service -Name ClusSvc', ['hci-n02']);
    assert.equal(owner.denied?.reason, 'deny-list');
    assert.match(owner.denied!.message, /on hci-n02: never restart ClusSvc on the node hosting the SQL role/);
    const notOwner = await c.run('Restart-Service -Name ClusSvc', ['hci-n04']);
    assert.equal(notOwner.denied, null, notOwner.denied?.message);
  });

  it('applies a role rule when the cluster cannot tell which roles the node owns (it fails closed)', async () => {
    const command = { cmdlet: 'Restart-Service', parameters: { Name: 'ClusSvc' }, level: 'DiagnosticsRepair' as const };
    const rules = parseDenyRules([{ cmdlet: 'Restart-Service', hostsRoles: ['vm-sql02'], reason: 'SQL' }], NODES);
    const denial = await findDenial(rules, command, ['hci-n03'], async () => {
      throw new Error('hci-n03 does not answer');
    });
    assert.equal(denial?.node, 'hci-n03');
    assert.equal(denial?.unknownRoles, 'hci-n03 does not answer');
    assert.equal(await findDenial(rules, command, ['hci-n03'], async () => ['vm-app01']), null);
  });

  const badRules: [string, unknown, string, RegExp][] = [
    ['a cmdlet outside the command table', [{ cmdlet: 'Remove-Item', reason: 'x' }], 'rules[0].cmdlet', /command table/],
    ['a parameter the cmdlet does not take', [{ cmdlet: 'Restart-Service', parameters: { Force: true }, reason: 'x' }], 'rules[0].parameters.Force', /has no parameter Force; its parameters are Name/],
    ['a value outside the parameter\'s set', [{ cmdlet: 'Restart-Service', parameters: { Name: 'WinRM' }, reason: 'x' }], 'rules[0].parameters.Name', /ClusSvc, HciSvc/],
    ['a node outside the cluster', [{ cmdlet: 'Get-VM', reason: 'x' }, { cmdlet: 'Get-VM', nodes: ['hci-n09'], reason: 'x' }], 'rules[1].nodes[0]', /hci-n01, hci-n02, hci-n03, hci-n04/],
    ['no reason', [{ cmdlet: 'Get-VM' }], 'rules[0].reason', /why/],
    ['a reason with a control character', [{ cmdlet: 'Get-VM', reason: 'a\u001b[2Jb' }], 'rules[0].reason', /printable/],
    ['a field rules do not have', [{ cmdlet: 'Get-VM', reason: 'x', level: 'Diagnostics' }], 'rules[0].level', /cmdlet, parameters, nodes, hostsRoles, reason/],
    ['a role name that is not one', [{ cmdlet: 'Get-VM', hostsRoles: ['*'], reason: 'x' }], 'rules[0].hostsRoles[0]', /cluster role name/],
    ['a switch given a value', [{ cmdlet: 'Get-NetAdapter', parameters: { Physical: 'yes' }, reason: 'x' }], 'rules[0].parameters.Physical', /switch/],
  ];
  for (const [what, rules, field, message] of badRules) {
    it(`refuses a rule with ${what} as InvalidDenyRule naming ${field}, and keeps the list as it was`, async () => {
      assert.equal((await put([{ cmdlet: 'Get-VM', reason: 'kept' }])).status, 200);
      const res = await put(rules);
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.error.code, 'InvalidDenyRule');
      assert.equal(res.body.error.field, field);
      assert.match(res.body.error.message, message);
      assert.deepEqual((await t.api.get(`${FEATURE}/deny-list`)).body.rules, [{ cmdlet: 'Get-VM', reason: 'kept' }]);
    });
  }

  it('refuses a list that is not one, or too long, as InvalidDenyRule', async () => {
    const notAList = await put({ cmdlet: 'Get-VM' });
    assert.equal(notAList.body.error.code, 'InvalidDenyRule');
    assert.equal(notAList.body.error.field, 'rules');
    const tooMany = await put(Array.from({ length: 101 }, () => ({ cmdlet: 'Get-VM', reason: 'x' })));
    assert.equal(tooMany.body.error.code, 'InvalidDenyRule');
    const anonymous = await put([], t.anonymous);
    assert.equal(anonymous.status, 401);
  });

  it('records every change with who made it and when, newest first, and publishes it', async () => {
    events.length = 0;
    const first = await put([{ cmdlet: 'Get-VM', reason: 'one' }]);
    const second = await put([{ cmdlet: 'Get-VMHost', reason: 'two' }]);
    assert.equal(second.body.version, first.body.version + 1);
    assert.equal(second.body.updatedBy, 'local-admin');
    assert.equal(second.body.updatedById, 'local:admin');
    const list = (await t.api.get(`${FEATURE}/deny-list`)).body;
    assert.deepEqual(list.changes.slice(0, 2).map((c: Loose) => [c.version, c.by, c.rules[0]?.reason]), [[second.body.version, 'local-admin', 'two'], [first.body.version, 'local-admin', 'one']]);
    assert.match(list.changes[0].at, /^\d{4}-\d\d-\d\dT.*Z$/);
    assert.equal(events.filter((e) => e.type === 'denylist.changed').length, 2);
  });

  it('refuses a save made on a list someone else saved since (expectedVersion), changing nothing, and takes one made on the list in force', async () => {
    const read = (await t.api.get(`${FEATURE}/deny-list`)).body;
    const theirs = await put([{ cmdlet: 'Get-VM', reason: 'theirs' }]);
    assert.equal(theirs.status, 200, theirs.text);
    const mine = await t.api.send('PUT', `${FEATURE}/deny-list`, { rules: [{ cmdlet: 'Get-VMHost', reason: 'mine' }], expectedVersion: read.version });
    assert.equal(mine.status, 409, mine.text);
    assert.equal(mine.body.error.code, 'DenyListChanged');
    assert.equal(mine.body.error.field, 'expectedVersion');
    assert.equal(mine.body.error.allowed, String(theirs.body.version));
    assert.match(mine.body.error.message, /saved by local-admin at \d{4}-.*after you read it: it is at version \d+, not \d+\. Nothing was saved/);
    assert.deepEqual((await t.api.get(`${FEATURE}/deny-list`)).body.rules.map((r: Loose) => r.reason), ['theirs'], 'nothing changed');
    const again = await t.api.send('PUT', `${FEATURE}/deny-list`, { rules: [{ cmdlet: 'Get-VMHost', reason: 'mine' }], expectedVersion: theirs.body.version });
    assert.equal(again.status, 200, again.text);
    assert.equal(again.body.version, theirs.body.version + 1);
    const bad = await t.api.send('PUT', `${FEATURE}/deny-list`, { rules: [], expectedVersion: -1 });
    assert.deepEqual([bad.status, bad.body.error.field], [400, 'expectedVersion']);
  });

  it('refuses every command while the stored list was changed without the record key, until an admin saves it again', async () => {
    assert.equal((await put([{ cmdlet: 'Get-VM', parameters: { Name: 'vm-hr01' }, reason: 'HR' }])).status, 200);
    t.gateway.db.prepare('UPDATE deny_lists SET rules = ? WHERE cluster = ?').run('[]', CLUSTER);
    const list = (await t.api.get(`${FEATURE}/deny-list`)).body;
    assert.equal(list.intact, false);
    await grant();
    const { c } = await openSession();
    const read = await c.run('Get-ClusterNode');
    assert.equal(read.denied?.reason, 'deny-list');
    assert.match(read.denied!.message, /changed without the record key/);
    assert.equal((await put([])).status, 200);
    assert.equal((await c.run('Get-ClusterNode')).denied, null);
  });
});
