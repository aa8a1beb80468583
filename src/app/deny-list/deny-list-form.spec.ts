import { GatewayError } from '../core/gateway-error';
import { draftFromRule, draftProblems, emptyDraft, gatewayRuleProblem, parametersInWords, ruleFromDraft, sameRules } from './deny-list-form';

const refusal = (field: string, allowed = 'what it accepts') => new GatewayError('InvalidDenyRule', `${field} is wrong`, 400, field, allowed);

describe('deny list form rules', () => {
  const rule = { cmdlet: 'Restart-Service', parameters: { Name: ['vmms', 'vmcompute'], Force: true }, nodes: ['hci-n02'], hostsRoles: ['vm-sql02'], reason: 'billing' };

  it('gives back the rule it was made from', () => {
    expect(ruleFromDraft(draftFromRule(rule, 0, 1))).toEqual(rule);
    expect(ruleFromDraft(draftFromRule({ cmdlet: 'Get-VM', reason: 'r' }, 0, 1))).toEqual({ cmdlet: 'Get-VM', reason: 'r' });
  });

  it('reads a list of values and roles separated by commas, and leaves out empty rows', () => {
    const d = { ...emptyDraft(1), cmdlet: 'Stop-Service', reason: ' why ', roles: ' a , b ', parameters: [{ name: 'Name', values: 'x, y', present: false }, { name: '', values: '', present: false }] };
    expect(ruleFromDraft(d)).toEqual({ cmdlet: 'Stop-Service', parameters: { Name: ['x', 'y'] }, hostsRoles: ['a', 'b'], reason: 'why' });
  });

  it('compares lists as they would be sent', () => {
    expect(sameRules([rule], [{ reason: 'billing', hostsRoles: ['vm-sql02'], nodes: ['hci-n02'], parameters: { Name: ['vmms', 'vmcompute'], Force: true }, cmdlet: 'Restart-Service' }])).toBe(true);
    expect(sameRules([rule], [{ ...rule, reason: 'other' }])).toBe(false);
    expect(sameRules([rule], [])).toBe(false);
  });

  it('finds the row of a parameter twice and an empty item in a list', () => {
    const d = { ...emptyDraft(1), cmdlet: 'Stop-Service', reason: 'r', roles: 'a,,b', parameters: [{ name: 'Name', values: 'x', present: false }, { name: 'name', values: 'y', present: false }, { name: 'Force', values: '', present: true }] };
    expect(draftProblems(d)).toEqual({ parameters: { 1: 'This parameter is given twice; put its values in one row.' }, hostsRoles: 'A list has an empty item between commas.' });
  });

  it('puts the gateway\'s field on the rule and field it names', () => {
    const drafts = [draftFromRule(rule, 0, 1), draftFromRule(rule, 1, 2)];
    expect(gatewayRuleProblem(refusal('rules[1].parameters.name'), drafts)).toEqual({ index: 1, problems: { parameters: { 0: 'The gateway does not accept -name here. Accepted: what it accepts.' } } });
    expect(gatewayRuleProblem(refusal('rules[0].parameters.Other'), drafts)!.problems.parametersGeneral).toContain('-Other');
    expect(gatewayRuleProblem(refusal('rules[0].nodes[0]'), drafts)!.problems.nodes).toBe('The gateway does not accept these nodes. Accepted: what it accepts.');
    expect(gatewayRuleProblem(refusal('rules[1].hostsRoles[2]'), drafts)).toEqual({ index: 1, problems: { hostsRoles: 'The gateway does not accept these role names. Accepted: what it accepts.' } });
    expect(gatewayRuleProblem(refusal('rules[0].cmdlet'), drafts)!.problems.cmdlet).toBe('The gateway does not accept this command: choose one from the list.');
    expect(gatewayRuleProblem(refusal('rules[0].reason'), drafts)!.problems.reason).toContain('this reason');
    expect(gatewayRuleProblem(refusal('rules[0].level'), drafts)!.problems.rule).toBe('The gateway refused this rule: rules[0].level is wrong');
    expect(gatewayRuleProblem(refusal('rules[5].cmdlet'), drafts)).toBeNull();
    expect(gatewayRuleProblem(refusal('rules'), drafts)).toBeNull();
  });

  it('writes parameter values in words', () => {
    expect(parametersInWords(rule)).toBe('Name: vmms, vmcompute; Force: present');
    expect(parametersInWords({ cmdlet: 'Get-VM', reason: 'r' })).toBeNull();
  });
});
