/** The events an admin is told about, by webhook or email. One table; docs/notifications.md lists the same. */
export const NOTIFICATION_TYPES = [
  'request.created',
  'request.expired',
  'session.started',
  'session.ended',
  'repair.pending',
  'grant.revoked',
  'grant.expired',
  'integrity.failed',
] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/** What a webhook receives: the signed event as JSON, or a Microsoft Teams message with an Adaptive Card. */
export const WEBHOOK_FORMATS = ['json', 'teams'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

/**
 * How the connection to the SMTP server is protected: `tls` (implicit TLS,
 * usually port 465), `starttls` (required, usually 587; a server that does
 * not offer it is refused), or `none` (plain text, test mode only).
 */
export const SMTP_SECURITY = ['tls', 'starttls', 'none'] as const;
export type SmtpSecurity = (typeof SMTP_SECURITY)[number];
