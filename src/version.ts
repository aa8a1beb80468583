/** The extension's module version, as the manifest and the shell's module list give it. */
export const MODULE_VERSION = '0.1.0';
/** The extension's module name: the manifest's `name`. */
export const MODULE_NAME = 'contoso.remote-support-hci';
