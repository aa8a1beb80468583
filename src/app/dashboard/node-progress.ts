import { NodeProgress } from '../core/api-models';
import { extensionStrings, format } from '../core/strings';

/** A node's step in an agent install or removal, in words: the agent table and the WAC notification say the same. */
export function nodeProgressText(p: NodeProgress): string {
  const s = extensionStrings().Agent.Step;
  if (p.status === 'failed') return format(s.failed, p.error ?? '');
  if (p.status === 'succeeded') return s.done;
  if (p.status === 'pending') return s.pending;
  return format(s.running, p.stepsDone + 1, p.stepsTotal, p.step ?? '');
}
