import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { powershellRoot } from '../src/executors/powershell-files';
import { tempDir } from './helpers/gateway-fixture';
import { MODULE_PATH } from './helpers/module-runner';
import { PWSH, pwshJson } from './helpers/pwsh';
import { readZip, ZipEntry } from './helpers/zip-reader';

/** The package an admin adds to Windows Admin Center's extension feed (scripts/package-wac.mjs). */

const run = promisify(execFile);
const REPO = dirname(powershellRoot());
const SCRIPT = join(REPO, 'scripts', 'package-wac.mjs');
const BUILT = join(REPO, 'dist', 'extension');
const MODULE = 'AzStackHCI.RemoteSupport';

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex').toUpperCase();

/** The text of one element of the nuspec (no XML library needed for a flat metadata block). */
function element(nuspec: string, name: string): string {
  const match = new RegExp(`<${name}(?:\\s[^>]*)?>([^<]*)</${name}>`).exec(nuspec);
  assert.ok(match, `the nuspec has <${name}>`);
  return match[1]!.replace(/&apos;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** True when dist/extension is a build of the current manifest (the test then skips the slow Angular build). */
function buildIsCurrent(): boolean {
  if (!existsSync(join(BUILT, 'index.html')) || !existsSync(join(BUILT, 'manifest.json'))) return false;
  const built = readJson(join(BUILT, 'manifest.json'));
  const source = readJson(join(REPO, 'manifest.json'));
  return built.name === source.name && built.version === source.version;
}

describe('the Windows Admin Center extension package', () => {
  const pkg = readJson(join(REPO, 'package.json'));
  const manifest = readJson(join(REPO, 'manifest.json'));
  const strings = manifest.resources.find((r: { locale: string }) => r.locale === 'default').strings;
  const id: string = manifest.name;
  let scratch: { path: string; remove: () => void };
  let nupkg: string;
  let entries: ZipEntry[];
  const entry = (name: string) => {
    const found = entries.find((e) => e.name === name);
    assert.ok(found, `the package holds ${name}`);
    return found.data;
  };

  before(async () => {
    scratch = tempDir('rs-wacpkg-');
    if (!buildIsCurrent()) await run('npm', ['run', '--silent', 'build:extension'], { cwd: REPO, maxBuffer: 64 * 1024 * 1024 });
    const { stdout } = await run(process.execPath, [SCRIPT, '--no-build', '--out', join(scratch.path, 'out')], { cwd: REPO });
    nupkg = stdout.trim();
    entries = readZip(readFileSync(nupkg));
  });
  after(() => scratch.remove());

  it('is a valid NuGet package named <id>.<version>.nupkg, with the OPC parts NuGet writes', () => {
    assert.equal(nupkg, join(scratch.path, 'out', `${id}.${pkg.version}.nupkg`));
    const names = entries.map((e) => e.name);
    for (const part of ['[Content_Types].xml', '_rels/.rels', `${id}.nuspec`]) assert.ok(names.includes(part), part);
    assert.ok(names.some((n) => /^package\/services\/metadata\/core-properties\/[^/]+\.psmdcp$/.test(n)), 'core properties');
    assert.equal(new Set(names).size, names.length, 'no entry twice');
  });

  it('describes itself as WAC requires: the manifest name as id, the package version, title, description, tags and package type', () => {
    const nuspec = entry(`${id}.nuspec`).toString('utf8');
    assert.equal(element(nuspec, 'id'), id);
    assert.equal(element(nuspec, 'version'), pkg.version);
    assert.equal(element(nuspec, 'version'), manifest.version);
    assert.equal(element(nuspec, 'title'), strings.displayName);
    assert.equal(element(nuspec, 'description'), strings.description);
    assert.equal(element(nuspec, 'authors'), 'Contoso');
    assert.equal(element(nuspec, 'license'), pkg.license);
    assert.deepEqual(element(nuspec, 'tags').split(' '), ['windows-admin-center-extension', 'remote-support', 'azure-stack-hci', 'support-engineer', 'transcript', 'consent']);
    assert.match(nuspec, /<packageType name="WindowsAdminCenterExtension"\s*\/>/);
  });

  it('is found and unpacked by NuGet\'s own client from a folder feed, as WAC reads a file share', async () => {
    const project = join(scratch.path, 'feed-client', 'feed-client.csproj');
    const packages = join(scratch.path, 'feed-client', 'packages');
    mkdirSync(dirname(project), { recursive: true });
    writeFileSync(project, `<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <RestoreSources>${dirname(nupkg)}</RestoreSources>
    <RestorePackagesPath>${packages}</RestorePackagesPath>
  </PropertyGroup>
  <ItemGroup><PackageDownload Include="${id}" Version="[${pkg.version}]" /></ItemGroup>
</Project>
`);
    await run('dotnet', ['restore', project, '-nologo'], { env: { ...process.env, DOTNET_NOLOGO: '1', DOTNET_CLI_TELEMETRY_OPTOUT: '1' } });
    const unpacked = join(packages, id.toLowerCase(), pkg.version);
    for (const f of ['ux/index.html', 'ux/manifest.json', 'Node/installNode.ps1', `Node/${MODULE}/${MODULE}.psd1`, 'content.json']) {
      assert.ok(readFileSync(join(unpacked, f)).equals(entry(f)), `NuGet unpacked ${f}`);
    }
  });

  it('carries the built extension under ux/: its manifest with the SDK versions stamped in, and index.html with every file it loads', () => {
    const shipped = JSON.parse(entry('ux/manifest.json').toString('utf8'));
    assert.deepEqual(shipped, { ...manifest, CoreVersion: pkg.dependencies['@microsoft/windows-admin-center-sdk'], BackendVersion: '2.0.0' });
    const index = entry('ux/index.html').toString('utf8');
    assert.match(index, /<sme-root>/);
    const loads = [...index.matchAll(/(?:src|href)="([^":]+\.(?:js|css))"/g)].map((m) => m[1]!);
    assert.ok(loads.length >= 3, `index.html loads scripts and styles: ${loads.join(', ')}`);
    for (const file of loads) entry(`ux/${file}`);
    for (const file of readdirSync(BUILT, { withFileTypes: true })) if (file.isFile() && !file.name.endsWith('.map')) entry(`ux/${file.name}`);
  });

  it('ships nothing else: no source maps, specs, tests or node_modules, nothing outside ux/, Node/ and the package files', () => {
    const allowedTop = new Set(['[Content_Types].xml', '_rels', 'package', `${id}.nuspec`, 'ux', 'Node', 'content.json', 'README.md']);
    for (const { name } of entries) {
      assert.ok(allowedTop.has(name.split('/')[0]!), `${name} is somewhere WAC expects`);
      assert.doesNotMatch(name, /\.map$|\.spec\.|\.test\.|(^|\/)node_modules\/|(^|\/)test\//i, name);
    }
  });

  it('lists every shipped file in content.json with its size and SHA-256, as the SDK packer does', () => {
    const content = JSON.parse(entry('content.json').toString('utf8'));
    assert.equal(content.contentFormatVersion, '1.0.0');
    assert.equal(content.status, 'unhealthy', 'unsigned scripts are reported, not hidden');
    const payload = entries.filter((e) => /^(ux|Node)\//.test(e.name));
    assert.deepEqual(content.packageContent.map((c: { path: string }) => c.path).sort(), payload.map((e) => e.name.replace(/\//g, '\\')).sort());
    for (const item of content.packageContent) {
      const data = entry(item.path.replace(/\\/g, '/'));
      assert.deepEqual([item.size, item.hash256], [data.length, sha256(data)], item.path);
    }
  });

  describe('the node payload', () => {
    let node: string;
    before(() => {
      node = join(scratch.path, 'Node');
      for (const e of entries.filter((x) => x.name.startsWith('Node/'))) {
        const to = join(scratch.path, e.name);
        mkdirSync(dirname(to), { recursive: true });
        writeFileSync(to, e.data);
      }
    });

    it('is the module byte for byte, and installNode.ps1', () => {
      const files = readdirSync(MODULE_PATH).sort();
      assert.deepEqual(readdirSync(join(node, MODULE)).sort(), files);
      for (const f of files) assert.ok(readFileSync(join(node, MODULE, f)).equals(readFileSync(join(MODULE_PATH, f))), f);
      assert.ok(readFileSync(join(node, 'installNode.ps1')).equals(readFileSync(join(powershellRoot(), 'node', 'installNode.ps1'))));
    });

    it('installs the module into Program Files\\WindowsPowerShell\\Modules, where Import-Module finds it, and reinstalls over it', async () => {
      const programFiles = join(scratch.path, 'ProgramFiles');
      const env = { ...process.env, ProgramFiles: programFiles };
      const installer = join(node, 'installNode.ps1');
      const version = /ModuleVersion\s*=\s*'([^']+)'/.exec(readFileSync(join(MODULE_PATH, `${MODULE}.psd1`), 'utf8'))![1]!;
      const target = join(programFiles, 'WindowsPowerShell', 'Modules', MODULE, version);

      const first = await run(PWSH, ['-NoLogo', '-NoProfile', '-NonInteractive', '-File', installer], { env });
      assert.equal(first.stdout.trim(), `Installed ${MODULE} ${version} to ${target}`);
      writeFileSync(join(target, 'stale.txt'), 'left by an earlier install');
      await run(PWSH, ['-NoLogo', '-NoProfile', '-NonInteractive', '-File', installer], { env });
      assert.deepEqual(readdirSync(target).sort(), readdirSync(MODULE_PATH).sort(), 'a reinstall replaces the folder');
      assert.deepEqual(readdirSync(dirname(target)), [version], 'no staging folder is left behind');

      // PSModulePath as Windows sets it for all users: the module loads by name.
      const probe = `$env:PSModulePath = '${join(programFiles, 'WindowsPowerShell', 'Modules')}'; $m = Import-Module ${MODULE} -PassThru; "$($m.Version) $($m.ExportedCommands.ContainsKey('Enable-AzStackHCIRemoteSupport'))"`;
      const loaded = await run(PWSH, ['-NoLogo', '-NoProfile', '-NonInteractive', '-Command', probe], { env });
      assert.equal(loaded.stdout.trim(), `${version} True`);
    });

    it('refuses to run without the module beside it, naming the missing file, and installs nothing', async () => {
      const lonely = join(scratch.path, 'lonely');
      mkdirSync(lonely);
      writeFileSync(join(lonely, 'installNode.ps1'), readFileSync(join(node, 'installNode.ps1')));
      const programFiles = join(scratch.path, 'ProgramFiles-empty');
      const failed = await run(PWSH, ['-NoLogo', '-NoProfile', '-NonInteractive', '-File', join(lonely, 'installNode.ps1')], { env: { ...process.env, ProgramFiles: programFiles } }).then(
        () => assert.fail('installNode.ps1 succeeded without the module'),
        (e: { code: number; stderr: string }) => e,
      );
      assert.notEqual(failed.code, 0);
      assert.match(failed.stderr, new RegExp(`${MODULE}\\.psd1 is missing`));
      assert.equal(existsSync(programFiles), false);
    });

    it('uses no PowerShell-7-only syntax: the nodes run it in Windows PowerShell 5.1', async () => {
      const checker = join(powershellRoot(), 'test', 'Test-WindowsPowerShellSyntax.ps1');
      const file = join(powershellRoot(), 'node', 'installNode.ps1');
      const reports = await pwshJson<Array<{ path: string; problems: unknown[] }> | { path: string; problems: unknown[] }>(checker, { files: [file] });
      const [report] = Array.isArray(reports) ? reports : [reports];
      assert.equal(report!.path, file);
      assert.deepEqual(report!.problems, []);
    });
  });

  it('refuses an unknown option, naming the ones it has, and writes nothing', async () => {
    const out = join(scratch.path, 'refused');
    const failed = await run(process.execPath, [SCRIPT, '--no-build', '--out', out, '--sign'], { cwd: REPO }).then(
      () => assert.fail('an unknown option was accepted'),
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /unknown option --sign; the options are --no-build and --out DIR/);
    assert.equal(existsSync(out), false);
  });

  it('refuses to pack when package.json and manifest.json name different versions, naming both', async () => {
    // A copy of the script in a repository of its own, whose two versions disagree.
    const fake = join(scratch.path, 'mismatch');
    mkdirSync(join(fake, 'scripts'), { recursive: true });
    writeFileSync(join(fake, 'scripts', 'package-wac.mjs'), readFileSync(SCRIPT));
    writeFileSync(join(fake, 'package.json'), JSON.stringify({ ...pkg, version: '0.2.0' }));
    writeFileSync(join(fake, 'manifest.json'), JSON.stringify(manifest));
    const failed = await run(process.execPath, [join(fake, 'scripts', 'package-wac.mjs'), '--no-build'], { cwd: fake }).then(
      () => assert.fail('mismatched versions were packed'),
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, new RegExp(`package.json version 0\\.2\\.0 and manifest.json version ${manifest.version.replace(/\./g, '\\.')} differ`));
    assert.equal(existsSync(join(fake, 'dist')), false);
  });
});
