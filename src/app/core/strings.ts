import { DEFAULT_STRINGS, Strings } from '../../generated/strings';

export type ExtensionStrings = Strings['RemoteSupportHci'];

/**
 * The extension's display strings, as the SDK loaded them from
 * assets/strings/strings.json (falls back to the built-in defaults when the
 * SDK has not loaded them, e.g. in a unit test without the SDK's resources).
 */
export function extensionStrings(): ExtensionStrings {
  try {
    return MsftSme.getStrings<Partial<Strings>>().RemoteSupportHci ?? DEFAULT_STRINGS.RemoteSupportHci;
  } catch {
    // MsftSme.getStrings throws until the SDK has loaded the strings file.
    return DEFAULT_STRINGS.RemoteSupportHci;
  }
}

/** Replaces `{0}`, `{1}`… in a display string. */
export function format(template: string, ...args: Array<string | number>): string {
  return template.replace(/\{(\d+)\}/g, (match, i: string) => (args[Number(i)] !== undefined ? String(args[Number(i)]) : match));
}
