/**
 * Loaded before the app: zone.js for Angular, then the SDK's polyfills, which
 * define the `MsftSme` global that the SDK's services and controls use.
 */
import 'zone.js/dist/zone';
import '@microsoft/windows-admin-center-sdk/core/polyfills';
