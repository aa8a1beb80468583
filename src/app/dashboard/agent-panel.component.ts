import { ChangeDetectionStrategy, Component, EventEmitter, Input, Output } from '@angular/core';
import { AgentOperation, NodeProgress, NodeStatus } from '../core/api-models';
import { extensionStrings, format } from '../core/strings';
import { nodeProgressText } from './node-progress';

/** An install or removal request: the nodes to act on (empty: every node). */
export interface AgentRequest {
  kind: 'install' | 'remove';
  nodes: string[];
}

/** The remote support agent on each node: state, version, per-node progress, Install and Remove. */
@Component({
  selector: 'rs-agent-panel',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="rs-card" aria-labelledby="rs-agent-heading" data-testid="agent-panel">
      <h2 id="rs-agent-heading">{{ strings.Agent.title }}</h2>
      <p *ngIf="operation" class="rs-hint" data-testid="agent-operation" role="status">{{ operationText }}</p>
      <table class="rs-table rs-agent-table">
        <thead>
          <tr>
            <th scope="col">{{ strings.Agent.node }}</th>
            <th scope="col">{{ strings.Agent.connection }}</th>
            <th scope="col">{{ strings.Agent.state }}</th>
            <th scope="col">{{ strings.Agent.version }}</th>
            <th scope="col">{{ strings.Agent.progress }}</th>
            <th scope="col"><span class="sme-screen-reader">{{ strings.Common.actions }}</span></th>
          </tr>
        </thead>
        <tbody>
          <tr *ngFor="let node of nodes; trackBy: byName" [attr.data-node]="node.name">
            <th scope="row" class="rs-node-name rs-nowrap">{{ node.name }}</th>
            <td class="rs-nowrap">{{ node.online ? strings.Agent.online : strings.Agent.offline }}</td>
            <td data-testid="agent-state" class="rs-nowrap">
              <span class="rs-state rs-state-{{ node.agent.state }}">{{ stateName(node) }}</span>
            </td>
            <td class="rs-nowrap">{{ node.agent.version || strings.Common.none }}</td>
            <td data-testid="agent-progress" class="rs-agent-progress">
              <ng-container *ngIf="progressOf(node.name) as p; else detail">
                <progress *ngIf="p.status !== 'failed'" [max]="p.stepsTotal || 1" [value]="p.stepsDone" [attr.aria-label]="progressText(p)"></progress>
                <div class="rs-hint" [class.rs-text-critical]="p.status === 'failed'" data-testid="agent-progress-text">{{ progressText(p) }}</div>
              </ng-container>
              <!-- The failure's text once: from the operation while it is shown, else from the node. -->
              <ng-template #detail><div *ngIf="node.agent.detail" class="rs-hint" data-testid="agent-detail">{{ node.agent.detail }}</div></ng-template>
            </td>
            <td class="rs-row-actions">
              <button *ngIf="canInstall(node)" type="button" data-testid="install-node" [disabled]="running"
                (click)="request.emit({ kind: 'install', nodes: [node.name] })" [attr.aria-label]="strings.Agent.installOn + ' ' + node.name">{{ strings.Agent.install }}</button>
              <button *ngIf="node.agent.state === 'Installed'" type="button" data-testid="remove-node" [disabled]="running || grantActive"
                (click)="request.emit({ kind: 'remove', nodes: [node.name] })" [attr.aria-label]="strings.Agent.removeFrom + ' ' + node.name">{{ strings.Agent.remove }}</button>
            </td>
          </tr>
        </tbody>
      </table>
      <div class="rs-actions">
        <button type="button" class="sme-button-primary" data-testid="install-all" [disabled]="running || allInstalled" (click)="request.emit({ kind: 'install', nodes: [] })">{{ strings.Agent.installAll }}</button>
        <button type="button" data-testid="remove-all" [disabled]="running || grantActive || noneInstalled" (click)="request.emit({ kind: 'remove', nodes: [] })">{{ strings.Agent.removeAll }}</button>
      </div>
      <p *ngIf="grantActive" class="rs-hint" data-testid="remove-blocked">{{ strings.Agent.removeBlocked }}</p>
    </section>
  `,
})
export class AgentPanelComponent {
  @Input() nodes: NodeStatus[] = [];
  @Input() operation: AgentOperation | null = null;
  /** While a grant is active the agent cannot be removed (the API refuses it). */
  @Input() grantActive = false;
  /** True while a request to start an operation is on its way. */
  @Input() starting = false;
  @Output() readonly request = new EventEmitter<AgentRequest>();

  readonly strings = extensionStrings();

  get running(): boolean {
    return this.starting || this.operation?.status === 'running' || this.nodes.some((n) => n.agent.state === 'Installing' || n.agent.state === 'Removing');
  }

  get allInstalled(): boolean {
    return this.nodes.length > 0 && this.nodes.every((n) => n.agent.state === 'Installed');
  }

  get noneInstalled(): boolean {
    return this.nodes.every((n) => n.agent.state === 'NotInstalled');
  }

  get operationText(): string {
    const op = this.operation!;
    const s = this.strings.Agent.Operation;
    const done = op.nodes.filter((n) => n.status === 'succeeded').length;
    return format(s[op.kind][op.status], done, op.nodes.length, op.startedBy);
  }

  canInstall(node: NodeStatus): boolean {
    return node.agent.state === 'NotInstalled' || node.agent.state === 'Failed';
  }

  stateName(node: NodeStatus): string {
    return this.strings.Agent.State[node.agent.state];
  }

  /** The node's progress in the latest operation, while it runs or when it failed there. */
  progressOf(node: string): NodeProgress | null {
    const op = this.operation;
    if (!op) return null;
    const p = op.nodes.find((n) => n.node === node);
    if (!p) return null;
    return op.status === 'running' || p.status === 'failed' ? p : null;
  }

  progressText(p: NodeProgress): string {
    return nodeProgressText(p);
  }

  byName(_: number, n: NodeStatus): string {
    return n.name;
  }
}
