<#
.SYNOPSIS
  Installs the AzStackHCI.RemoteSupport module on a managed node.
.DESCRIPTION
  Windows Admin Center's install-on-node API (features/extensions/<id>/versions/<version>/install)
  copies the extension package's Node folder to the node and runs this script there, under that name.
  It copies the module beside it into $env:ProgramFiles\WindowsPowerShell\Modules\AzStackHCI.RemoteSupport\<ModuleVersion>,
  the all-users module path of both Windows PowerShell 5.1 and PowerShell 7, replacing an earlier copy of
  the same version, and checks that the copy is a valid module. Other versions are left alone.
  The gateway's configuration (gateway.json) and machine credential are not part of the package:
  Set-AzStackHCIRemoteSupportGateway writes them (docs/windows-admin-center.md).
  Runs on Windows PowerShell 5.1.
.OUTPUTS
  One line: Installed AzStackHCI.RemoteSupport <version> to <path>
#>
[CmdletBinding()]
param()
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$moduleName = 'AzStackHCI.RemoteSupport'
$source = Join-Path $PSScriptRoot $moduleName
$manifestPath = Join-Path $source "$moduleName.psd1"
if (-not (Test-Path -LiteralPath $manifestPath -PathType Leaf)) {
  throw "installNode.ps1: $manifestPath is missing; the package's Node folder must hold the $moduleName module."
}
if ([string]::IsNullOrEmpty($env:ProgramFiles)) {
  throw 'installNode.ps1: $env:ProgramFiles is not set, so there is no all-users module path to install into.'
}

$version = (Import-PowerShellDataFile -LiteralPath $manifestPath).ModuleVersion
$destination = Join-Path (Join-Path (Join-Path (Join-Path $env:ProgramFiles 'WindowsPowerShell') 'Modules') $moduleName) $version

# Stage next to the destination, then swap, so a failed copy never leaves half a module behind.
$staging = "$destination.installing"
if (Test-Path -LiteralPath $staging) { Remove-Item -LiteralPath $staging -Recurse -Force }
New-Item -ItemType Directory -Path $staging -Force | Out-Null
Copy-Item -Path (Join-Path $source '*') -Destination $staging -Recurse -Force
$null = Test-ModuleManifest -Path (Join-Path $staging "$moduleName.psd1")

if (Test-Path -LiteralPath $destination) { Remove-Item -LiteralPath $destination -Recurse -Force }
Move-Item -LiteralPath $staging -Destination $destination

"Installed $moduleName $version to $destination"
