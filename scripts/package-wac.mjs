#!/usr/bin/env node
// Packs the extension as the NuGet package that Windows Admin Center installs
// from an extension feed (a NuGet v2 feed or a file share), laid out as WAC's
// "Publishing extensions" guide and the SDK's own packer
// (tools/scripts/New-ExtensionPackage.ps1, Windows-only) lay it out:
//   <id>.nuspec      id = manifest.json "name", packageType WindowsAdminCenterExtension
//   ux/**            the built extension (dist/extension), manifest.json with the
//                    SDK's CoreVersion/BackendVersion stamped in as the SDK does
//   Node/**          copied by WAC to a managed node by the install-on-node API
//                    (features/extensions/<id>/versions/<version>/install), which
//                    then runs Node/installNode.ps1: the PowerShell module
//   content.json     the SDK's content inventory (path, size, SHA-256, signer)
//   README.md
// The .nupkg itself is made by `dotnet pack` from a throwaway project that
// names the generated .nuspec, so NuGet writes the OPC parts.
//
// Usage: node scripts/package-wac.mjs [--no-build] [--out DIR]
//   --no-build  package the existing build in dist/extension (fails if there is none)
//   --out DIR   where the .nupkg goes (default dist/wac-package)
// Prints the path of the .nupkg.
import { execFileSync, execSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SDK_PACKAGE = '@microsoft/windows-admin-center-sdk';
/** What the SDK's packer stamps as BackendVersion unless told otherwise. */
const BACKEND_VERSION = '2.0.0';
const AUTHORS = 'Contoso';
const MODULE_NAME = 'AzStackHCI.RemoteSupport';
/** Files that never ship: source maps, specs and tests, dependency trees. */
const EXCLUDED = [/\.map$/i, /\.spec\.[cm]?[jt]s$/i, /\.test\.[cm]?[jt]s$/i, /(^|\/)node_modules(\/|$)/, /(^|\/)\.DS_Store$/];

function fail(message) {
  console.error(`package-wac: ${message}`);
  process.exit(1);
}

function parseArgs(argv) {
  const options = { build: true, out: join(root, 'dist', 'wac-package') };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--no-build') options.build = false;
    else if (arg === '--out') {
      if (!argv[i + 1]) fail('--out needs a directory');
      options.out = resolve(argv[++i]);
    } else fail(`unknown option ${arg}; the options are --no-build and --out DIR`);
  }
  return options;
}

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

/** Resolves a `resources:strings:<key>` reference as WAC does, from the default locale. */
function resolveString(manifest, value) {
  const match = /^resources:strings:(.+)$/.exec(value ?? '');
  if (!match) return value;
  const strings = manifest.resources?.find((r) => r.locale === 'default')?.strings ?? {};
  if (typeof strings[match[1]] !== 'string') fail(`manifest.json: no default string "${match[1]}" for ${value}`);
  return strings[match[1]];
}

/** Every file under `dir`, as paths relative to it with `/` separators. */
function listFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(full).map((f) => `${entry.name}/${f}`));
    else if (entry.isFile()) out.push(entry.name);
  }
  return out.sort();
}

function copyFiltered(from, to) {
  for (const file of listFiles(from)) {
    if (EXCLUDED.some((re) => re.test(file))) continue;
    mkdirSync(dirname(join(to, file)), { recursive: true });
    cpSync(join(from, file), join(to, file));
  }
}

const xml = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** NuGet tags are space-separated words; the manifest's keywords are a comma-separated phrase list. */
function tagsOf(manifest) {
  const phrases = (manifest.keywords ?? []).flatMap((k) => resolveString(manifest, k).split(','));
  const words = phrases.map((p) => p.trim().toLowerCase().replace(/\s+/g, '-')).filter(Boolean);
  return [...new Set(['windows-admin-center-extension', ...words])].join(' ');
}

function nuspecOf({ id, version, title, description, tags, license }) {
  return `<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd">
  <metadata>
    <id>${xml(id)}</id>
    <version>${xml(version)}</version>
    <title>${xml(title)}</title>
    <authors>${xml(AUTHORS)}</authors>
    <requireLicenseAcceptance>false</requireLicenseAcceptance>
    <license type="expression">${xml(license)}</license>
    <description>${xml(description)}</description>
    <readme>README.md</readme>
    <copyright>${xml(`(c) ${AUTHORS}. All rights reserved.`)}</copyright>
    <tags>${xml(tags)}</tags>
    <packageTypes>
      <packageType name="WindowsAdminCenterExtension" />
    </packageTypes>
  </metadata>
  <files>
    <file src="ux/**" target="ux" />
    <file src="Node/**" target="Node" />
    <file src="content.json" target="" />
    <file src="README.md" target="" />
  </files>
</package>
`;
}

/**
 * The SDK packer's content inventory: each shipped file with its size and
 * SHA-256 (upper-case hex, as Get-FileHash prints it) and its Authenticode
 * signer. Nothing here is signed, so scripts count as unhealthy, as the SDK
 * marks them; signing happens on Windows (see docs/windows-admin-center.md).
 */
function contentInventory(stage) {
  const packageContent = [];
  let healthy = true;
  for (const top of ['ux', 'Node']) {
    for (const file of listFiles(join(stage, top))) {
      const bytes = readFileSync(join(stage, top, file));
      if (/\.(js|psd1|psm1|ps1|dll|exe)$/i.test(file)) healthy = false;
      packageContent.push({
        path: `${top}\\${file.split('/').join('\\')}`,
        size: bytes.length,
        hash256: createHash('sha256').update(bytes).digest('hex').toUpperCase(),
        signedBy: 'None',
        thumbprint: 'None',
      });
    }
  }
  return {
    contentFormatVersion: '1.0.0',
    datetime: new Date().toISOString().slice(0, 19),
    status: healthy ? 'healthy' : 'unhealthy',
    nestedPackage: null,
    packageContent,
    defaultManifest: null,
  };
}

function readmeOf({ id, version, title, description }) {
  return `# ${title}

${description}

Package \`${id}\` ${version}, a Windows Admin Center extension. Its tool appears on
failover-cluster and hyper-converged-cluster connections. Installing it on a
cluster's nodes (the extension's Install action) copies the ${MODULE_NAME}
PowerShell module into Program Files on each node.

It needs the Remote Support gateway service; see docs/windows-admin-center.md
in the project's repository for the deployment.
`;
}

function main() {
  const options = parseArgs(process.argv.slice(2));
  const pkg = readJson(join(root, 'package.json'));
  const sourceManifest = readJson(join(root, 'manifest.json'));
  if (pkg.version !== sourceManifest.version) {
    fail(`package.json version ${pkg.version} and manifest.json version ${sourceManifest.version} differ; make them equal`);
  }

  // Through a shell, so Windows finds npm.cmd.
  if (options.build) execSync('npm run --silent build:extension', { cwd: root, stdio: 'inherit' });
  const built = join(root, 'dist', 'extension');
  for (const f of ['index.html', 'manifest.json']) {
    if (!existsSync(join(built, f))) fail(`${relative(root, join(built, f))} is missing: run without --no-build (or npm run build:extension) first`);
  }
  const manifest = readJson(join(built, 'manifest.json'));
  if (manifest.name !== sourceManifest.name || manifest.version !== sourceManifest.version) {
    fail(`dist/extension is a build of ${manifest.name} ${manifest.version}, not of ${sourceManifest.name} ${sourceManifest.version}: rebuild it`);
  }

  const meta = {
    id: manifest.name,
    version: manifest.version,
    title: resolveString(manifest, manifest.displayName),
    description: resolveString(manifest, manifest.description),
    tags: tagsOf(manifest),
    license: pkg.license,
  };
  if (!/^[A-Za-z0-9_.-]+$/.test(meta.id)) fail(`manifest.json name "${meta.id}" is not a valid NuGet id (letters, digits, . _ -)`);

  const work = mkdtempSync(join(tmpdir(), 'wac-package-'));
  try {
    const stage = join(work, 'content');
    copyFiltered(built, join(stage, 'ux'));
    // What New-ExtensionPackage.ps1 adds to the bundle's manifest.
    const sdkVersion = pkg.dependencies?.[SDK_PACKAGE] ?? pkg.devDependencies?.[SDK_PACKAGE];
    if (!sdkVersion) fail(`package.json does not depend on ${SDK_PACKAGE}`);
    writeFileSync(join(stage, 'ux', 'manifest.json'), JSON.stringify({ ...manifest, CoreVersion: sdkVersion, BackendVersion: BACKEND_VERSION }, null, 2) + '\n');

    copyFiltered(join(root, 'powershell', 'module', MODULE_NAME), join(stage, 'Node', MODULE_NAME));
    cpSync(join(root, 'powershell', 'node', 'installNode.ps1'), join(stage, 'Node', 'installNode.ps1'));

    writeFileSync(join(stage, 'content.json'), JSON.stringify(contentInventory(stage), null, 2) + '\n');
    writeFileSync(join(stage, 'README.md'), readmeOf(meta));
    const nuspec = join(stage, `${meta.id}.nuspec`);
    writeFileSync(nuspec, nuspecOf(meta));

    // A project that builds nothing: pack only the nuspec's files.
    const project = join(work, 'pack', 'pack.csproj');
    mkdirSync(dirname(project), { recursive: true });
    writeFileSync(project, `<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <NuspecFile>${xml(nuspec)}</NuspecFile>
    <NuspecBasePath>${xml(stage + sep)}</NuspecBasePath>
    <IncludeBuildOutput>false</IncludeBuildOutput>
    <NoBuild>true</NoBuild>
    <PackageOutputPath>${xml(options.out + sep)}</PackageOutputPath>
  </PropertyGroup>
</Project>
`);
    mkdirSync(options.out, { recursive: true });
    const target = join(options.out, `${meta.id}.${meta.version}.nupkg`);
    rmSync(target, { force: true });
    try {
      execFileSync('dotnet', ['pack', project, '-nologo', '--verbosity', 'quiet'], {
        env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1', DOTNET_SKIP_FIRST_TIME_EXPERIENCE: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (e) {
      fail(`dotnet pack failed:\n${e.stdout ?? ''}${e.stderr ?? e.message}`);
    }
    if (!existsSync(target) || statSync(target).size === 0) fail(`dotnet pack wrote no ${target}`);
    console.log(target);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main();
