/**
 * The manifest decides where WAC shows the tool: it must validate against
 * the SDK's module schema, name the HCI cluster and failover cluster
 * solutions, and every display string it references must exist.
 */
import Ajv from 'ajv';
import { readFileSync } from 'fs';
import { join } from 'path';
import { DEFAULT_STRINGS } from './generated/strings';
import { MODULE_NAME, MODULE_VERSION } from './version';

const root = join(__dirname, '..');
const manifest = JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8'));
const schema = JSON.parse(readFileSync(join(root, 'node_modules/@microsoft/windows-admin-center-sdk/core/manifest/module-schema.json'), 'utf8'));

function references(node: unknown, found: string[] = []): string[] {
  if (typeof node === 'string' && node.startsWith('resources:strings:')) found.push(node.slice('resources:strings:'.length));
  else if (node && typeof node === 'object') for (const v of Object.values(node)) references(v, found);
  return found;
}

describe('manifest.json', () => {
  it('validates against the SDK module schema', () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = ajv.compile(schema);
    const ok = validate(manifest);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('is refused by the schema when it breaks it (the check is real)', () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = ajv.compile(schema);
    expect(validate({ ...manifest, entryPoints: [{ ...manifest.entryPoints[0], entryPointType: 'tool', requirements: 'all' }] })).toBe(false);
    expect(validate({ ...manifest, unexpected: true })).toBe(false);
  });

  it('is a tool for Azure Stack HCI clusters and failover clusters', () => {
    const [tool] = manifest.entryPoints;
    expect(tool.entryPointType).toBe('tool');
    expect(tool.requirements).toEqual([
      { solutionIds: ['msft.sme.software-defined-data-center!SDDC'], connectionTypes: ['msft.sme.connection-type.hyper-converged-cluster'] },
      { solutionIds: ['msft.sme.failover-cluster!failover-cluster'], connectionTypes: ['msft.sme.connection-type.cluster'] },
    ]);
  });

  it('has the name and version the extension registers with the SDK', () => {
    expect(manifest.name).toBe(MODULE_NAME);
    expect(manifest.version).toBe(MODULE_VERSION);
  });

  it('resolves every display string from strings.resjson', () => {
    const defaults = manifest.resources.find((r: { locale: string }) => r.locale === 'default').strings;
    expect(defaults).toEqual(DEFAULT_STRINGS.RemoteSupportHci.Manifest);
    for (const key of references({ ...manifest, resources: undefined })) expect(defaults[key]).toEqual(expect.any(String));
  });
});
