// Jest setup for the extension's specs: Angular's test environment, the SDK's
// globals, its strings, and a Jasmine-style spy shim for the SDK's own mocks.
import 'jest-preset-angular/setup-jest';
import '@microsoft/windows-admin-center-sdk/core/polyfills';
import { readFileSync } from 'fs';
import { join } from 'path';

// The strings file the build generates (scripts/build-extension.mjs): the SDK's and ours.
const strings = JSON.parse(readFileSync(join(__dirname, 'assets', 'strings', 'strings.json'), 'utf8')) as { Strings: unknown };
const self = MsftSme.self() as unknown as { Resources: Record<string, unknown>; Init: Record<string, unknown> };
self.Resources = { ...(self.Resources ?? {}), strings: strings.Strings, localeId: 'en', localeRegionalId: 'en-US' };
// What the SDK's controls ask of the environment: this window is an extension, not the shell.
self.Init = { ...(self.Init ?? {}), isShell: false, moduleName: 'contoso.remote-support-hci', sessionId: 'jest' };

// The SDK's test mocks are written for Jasmine (`spyOn(x, 'y').and.callFake(f)`): map them onto jest.
type Fn = (...args: unknown[]) => unknown;
const g = globalThis as unknown as { spyOn?: unknown };
if (!g.spyOn) {
  g.spyOn = (object: Record<string, Fn>, method: string) => {
    const spy = jest.spyOn(object, method as never) as unknown as jest.Mock & { and: Record<string, (v?: unknown) => unknown> };
    spy.and = {
      callFake: (f?: unknown) => spy.mockImplementation(f as Fn),
      returnValue: (v?: unknown) => spy.mockReturnValue(v),
      callThrough: () => spy,
      stub: () => spy.mockImplementation(() => undefined),
    };
    return spy;
  };
}

// jsdom has no scrollIntoView; the transcript viewer scrolls to matches.
if (!Element.prototype.scrollIntoView) Element.prototype.scrollIntoView = function scrollIntoView() {};
