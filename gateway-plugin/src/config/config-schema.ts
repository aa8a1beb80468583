import { REQUEST_TTL_MINUTES } from '../domain/access-request';
import { Static, TSchema, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { ValueErrorType } from '@sinclair/typebox/errors';
import { StringEnum } from '../contract/field';
import { MAX_NODES, NODE_NAME } from '../domain/identifiers';
import { NOTIFICATION_TYPES, SMTP_SECURITY, WEBHOOK_FORMATS } from '../domain/notification-types';

/**
 * The configuration file (and the flags laid over it) as a schema: each
 * setting's type, range and, in words, what it accepts. Rules between
 * settings (production mode, the real cluster of the PowerShell executor)
 * stay in config.ts.
 */

export const MODES = ['embedded', 'production', 'test'] as const;
/** How the extension in the host page reaches the gateway (docs/wac-powershell-stand-in.md). */
export const WAC_TRANSPORTS = ['direct', 'powershell'] as const;
/** Where engineers' connections come in: a local Hybrid Connections relay (embedded/test), Azure Relay, or only the direct channel. */
export const RELAY_MODES = ['local', 'azure', 'off'] as const;

const ALLOWED = 'x-allowed';
/** A setting and what it accepts, in words, for the error message. */
const setting = <T extends TSchema>(schema: T, allowed: string): T => ({ ...schema, [ALLOWED]: allowed });
const integer = (min: number, max: number) => setting(Type.Integer({ minimum: min, maximum: max }), `an integer from ${min} to ${max}`);
const text = (what = 'a text') => setting(Type.String({ minLength: 1 }), what);
const strict = <T extends Record<string, TSchema>>(properties: T) => Type.Object(properties, { additionalProperties: false });
const DNS_NAME = '^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$';

/** Token settings shared by admin (auth) and engineer sign-in; each is required where it applies (config.ts). */
const tokenSettings = {
  issuer: Type.Optional(text('the token issuer URL')),
  audience: Type.Optional(text('the expected audience')),
  jwksUri: Type.Optional(text('the URL of the signing keys')),
  jwks: Type.Optional(setting(Type.Object({ keys: Type.Array(Type.Unknown()) }), 'a JSON Web Key Set ({"keys": [...]})')),
};

const EMAIL = '^[^@\\s<>,;]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$';
/** Which events a notification target gets (all when left out). */
const notificationEvents = setting(
  Type.Array(setting(StringEnum(NOTIFICATION_TYPES), `one of ${NOTIFICATION_TYPES.join(', ')}`), { minItems: 1, uniqueItems: true }),
  `a list of event types, each once: ${NOTIFICATION_TYPES.join(', ')}`,
);

export const ConfigFile = strict({
  mode: Type.Optional(setting(StringEnum(MODES), `one of ${MODES.join(', ')}`)),
  host: Type.Optional(text('an address to listen on')),
  port: Type.Optional(integer(0, 65535)),
  dataDir: Type.Optional(text('a directory')),
  tls: Type.Optional(strict({ certFile: Type.Optional(text('a PEM file')), keyFile: Type.Optional(text('a PEM file')) })),
  auth: Type.Optional(strict({
    mode: setting(StringEnum(['local', 'entra'] as const), 'local or entra'),
    ...tokenSettings,
    adminRole: Type.Optional(text('the app role admins hold')),
  })),
  engineerAuth: Type.Optional(strict({ ...tokenSettings, engineerRole: Type.Optional(text('the app role engineers hold')) })),
  cluster: Type.Optional(strict({
    fixture: Type.Optional(text('a JSON file describing the simulated cluster')),
    stepDelayMs: Type.Optional(integer(0, 60_000)),
    name: Type.Optional(setting(Type.String({ pattern: DNS_NAME }), "the cluster's DNS name, such as hci-cl01.contoso.local")),
    nodes: Type.Optional(setting(
      Type.Array(setting(Type.String({ pattern: NODE_NAME.pattern }), NODE_NAME.allowed), { minItems: 1, maxItems: MAX_NODES }),
      `a list of 1 to ${MAX_NODES} node names`,
    )),
    registered: Type.Optional(setting(Type.Boolean(), 'true or false')),
  })),
  executor: Type.Optional(strict({
    kind: setting(StringEnum(['simulated', 'powershell'] as const), 'simulated or powershell'),
    powershellPath: Type.Optional(text('the path of pwsh')),
    endpointName: Type.Optional(text('a session configuration name')),
    workers: Type.Optional(integer(1, 64)),
  })),
  // The JEA options are checked by building the JEA files from them (config.ts).
  jea: Type.Optional(setting(Type.Object({}, { additionalProperties: true }), 'an object of JEA options')),
  channel: Type.Optional(strict({
    idleTimeoutMinutes: Type.Optional(integer(1, 1440)),
    commandTimeoutSeconds: Type.Optional(integer(1, 3600)),
    maxSessionsPerEngineer: Type.Optional(integer(1, 1000)),
    maxSessionsPerGrant: Type.Optional(integer(1, 10000)),
    maxRefusedLinesPerSession: Type.Optional(integer(0, 100000)),
    diskWarnFreeMegabytes: Type.Optional(integer(0, 1048576)),
    diskMinFreeMegabytes: Type.Optional(integer(0, 1048576)),
    repairApprovalTimeoutSeconds: Type.Optional(integer(10, 86400)),
  })),
  requests: Type.Optional(strict({
    expireAfterMinutes: Type.Optional(integer(REQUEST_TTL_MINUTES.min, REQUEST_TTL_MINUTES.max)),
  })),
  wacTransport: Type.Optional(setting(StringEnum(WAC_TRANSPORTS), `one of ${WAC_TRANSPORTS.join(', ')}`)),
  wacOrigin: Type.Optional(setting(
    Type.String({ pattern: '^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?$' }),
    'the origin of the Windows Admin Center that embeds the extension, such as https://wac.contoso.com',
  )),
  moduleEndpoint: Type.Optional(setting(
    Type.String({ pattern: '^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?/?$' }),
    'the URL the nodes reach the gateway at, such as https://wac01.contoso.local:6600',
  )),
  relay: Type.Optional(strict({
    mode: Type.Optional(setting(StringEnum(RELAY_MODES), `one of ${RELAY_MODES.join(', ')}`)),
    address: Type.Optional(setting(
      Type.String({ pattern: '^wss://[A-Za-z0-9.-]+(:[0-9]{1,5})?/\\$hc/[A-Za-z0-9._~%-]+$' }),
      'the Hybrid Connection, wss://NAMESPACE.servicebus.windows.net/$hc/NAME',
    )),
    keyName: Type.Optional(setting(Type.String({ pattern: '^[A-Za-z0-9._-]{1,256}$' }), 'the name of a shared access policy with the Listen right')),
    keyFile: Type.Optional(text("a file holding that policy's key")),
    caFile: Type.Optional(text('a PEM file of a CA to trust besides the system ones')),
    proxy: Type.Optional(setting(Type.String({ pattern: '^http://[^/?#\\s]+/?$' }), 'an HTTP proxy, http://HOST:PORT')),
    port: Type.Optional(integer(0, 65535)),
  })),
  limits: Type.Optional(strict({
    connections: Type.Optional(integer(1, 100_000)),
    connectionsPerAddress: Type.Optional(integer(1, 100_000)),
    headersTimeoutSeconds: Type.Optional(integer(1, 600)),
    bodyTimeoutSeconds: Type.Optional(integer(1, 3600)),
    idleTimeoutSeconds: Type.Optional(integer(1, 3600)),
    eventStreams: Type.Optional(integer(1, 10_000)),
    eventStreamsPerAdmin: Type.Optional(integer(1, 10_000)),
    eventBufferKiB: Type.Optional(integer(16, 65_536)),
  })),
  notifications: Type.Optional(strict({
    wacUrl: Type.Optional(setting(Type.String({ pattern: '^https://[^\\s]+$' }), 'the https:// URL of Windows Admin Center the messages link to')),
    webhooks: Type.Optional(setting(Type.Array(strict({
      url: setting(Type.String({ pattern: '^https?://[^\\s]+$' }), 'an https:// URL (http://127.0.0.1 or http://localhost in test mode only)'),
      secretFile: text('a file (mode 0600) holding the shared secret the payloads are signed with'),
      format: Type.Optional(setting(StringEnum(WEBHOOK_FORMATS), `one of ${WEBHOOK_FORMATS.join(', ')}`)),
      events: Type.Optional(notificationEvents),
      caFile: Type.Optional(text("a PEM file of the CA that vouches for the receiver's certificate")),
    }), { maxItems: 20 }), 'a list of up to 20 webhooks')),
    email: Type.Optional(strict({
      host: text("the SMTP server's name"),
      port: Type.Optional(integer(1, 65535)),
      security: setting(StringEnum(SMTP_SECURITY), `one of ${SMTP_SECURITY.join(', ')} (none: test mode only)`),
      caFile: Type.Optional(text('a PEM file of the CA that vouches for the SMTP server')),
      user: Type.Optional(text('the SMTP user name')),
      passwordFile: Type.Optional(text("a file (mode 0600) holding the SMTP user's password")),
      from: setting(Type.String({ pattern: EMAIL }), 'an email address, such as remote-support@contoso.com'),
      to: setting(Type.Array(setting(Type.String({ pattern: EMAIL }), 'an email address'), { minItems: 1, maxItems: 50 }), 'a list of 1 to 50 email addresses'),
      events: Type.Optional(notificationEvents),
    })),
  })),
});
export type ConfigFile = Static<typeof ConfigFile>;

const check = TypeCompiler.Compile(ConfigFile);

/**
 * Checks the settings; returns the first problem as a sentence naming the
 * setting (`cluster.stepDelayMs must be an integer from 0 to 60000 (got -1)`),
 * or null when they fit.
 */
export function configProblem(settings: unknown): string | null {
  if (check.Check(settings)) return null;
  const error = check.Errors(settings).First()!;
  const keys = error.path.split('/').slice(1);
  if (error.type === ValueErrorType.ObjectAdditionalProperties) {
    const parent = keys.slice(0, -1);
    const known = Object.keys((schemaAt(ConfigFile, parent) as { properties?: object }).properties ?? {});
    const name = keys.join('.');
    return `Unknown setting ${name}; the settings ${parent.length ? `of ${parent.join('.')} ` : ''}are ${known.join(', ')}`;
  }
  const item = keys.length > 0 && /^\d+$/.test(keys[keys.length - 1]!);
  const owner = item ? keys.slice(0, -1) : keys;
  const schema = schemaAt(ConfigFile, keys);
  const allowed = (schema?.[ALLOWED] as string | undefined) ?? 'something else';
  const shown = Array.isArray(error.value) ? `a list of ${error.value.length}` : JSON.stringify(error.value);
  if (error.type === ValueErrorType.ObjectRequiredProperty) return `${keys.join('.')} must be set: ${allowed}`;
  return `${owner.join('.') || 'the configuration'} must ${item ? 'each ' : ''}be ${allowed} (got ${shown})`;
}

function schemaAt(root: TSchema, keys: readonly string[]): TSchema | undefined {
  let schema: TSchema | undefined = root;
  for (const key of keys) {
    if (!schema) return undefined;
    schema = /^\d+$/.test(key) && schema['items'] ? (schema['items'] as TSchema) : (schema['properties'] as Record<string, TSchema> | undefined)?.[key];
  }
  return schema;
}
