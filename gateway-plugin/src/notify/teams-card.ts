import { keyFacts, NOTIFICATION_TEXT, NotificationEvent } from './notification-event';

/** The Adaptive Card version sent: the newest Teams renders everywhere. */
export const ADAPTIVE_CARD_VERSION = '1.4';

/**
 * The event as a Microsoft Teams message (a Teams Workflows or incoming
 * webhook): one Adaptive Card with a title, the summary, a FactSet of
 * cluster, session, engineer, level and time, and an "Open Windows Admin
 * Center" button when the WAC URL is configured.
 */
export function teamsMessage(event: NotificationEvent, wacUrl?: string): Record<string, unknown> {
  const { title, todo } = NOTIFICATION_TEXT[event.type];
  // Summaries and facts can carry text an engineer chose (a command, a name): Teams reads card text as
  // markdown, so it is escaped and cannot become a link or formatting.
  const facts = keyFacts(event).map((f) => ({ title: f.title, value: plainMarkdown(f.value) }));
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: ADAPTIVE_CARD_VERSION,
          body: [
            { type: 'TextBlock', text: plainMarkdown(`${title}: ${event.cluster}`), weight: 'Bolder', size: 'Medium', wrap: true },
            { type: 'TextBlock', text: plainMarkdown(event.summary), wrap: true },
            { type: 'FactSet', facts },
            { type: 'TextBlock', text: todo, wrap: true, isSubtle: true },
          ],
          ...(wacUrl ? { actions: [{ type: 'Action.OpenUrl', title: 'Open Windows Admin Center', url: wacUrl }] } : {}),
        },
      },
    ],
  };
}

/** Text shown as it is in a card: the characters that make markdown links, emphasis or code escaped with a backslash. */
export function plainMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]<>~]/g, (c) => `\\${c}`);
}
