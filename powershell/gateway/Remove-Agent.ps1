<#
.SYNOPSIS
  Remote Support for Azure Stack HCI: removes the agent (the JEA endpoints) from one node.
.DESCRIPTION
  Request (stdin, JSON): {protocol: 1, operation: 'remove', node, moduleDirectory, configurationNames,
  nodeModuleDirectory, nodeConfigDirectory, winrmTimeoutMs, deadlineMs}.
  Steps: check (WinRM answers), unregister (every session configuration of the agent; WinRM
  restarts once), remove (the JEA module folder, once the endpoints are gone), module (the
  AzStackHCI.RemoteSupport module folder, and gateway.json and the machine credential of its
  configuration folder, which goes too when nothing else is left in it). The JEA transcript
  folder stays: it is audit evidence. Answer: {"frame":"done"}.
.PARAMETER TransportModule
  How nodes are reached: RemoteSupport.WinRM.psm1 in production.
#>
[CmdletBinding()]
param(
  [Parameter(Mandatory)] [string] $TransportModule
)
. (Join-Path $PSScriptRoot 'Initialize-GatewayScript.ps1') $TransportModule

$unregisterConfigurations = {
  param([string[]] $Names)
  $ErrorActionPreference = 'Stop'
  $present = @($Names | Where-Object { $null -ne (Get-PSSessionConfiguration -Name $_ -ErrorAction SilentlyContinue) })
  for ($i = 0; $i -lt $present.Count; $i++) {
    Unregister-PSSessionConfiguration -Name $present[$i] -NoServiceRestart:($i -lt $present.Count - 1) -Force
  }
}
$removeFiles = {
  param([string] $Directory, [string[]] $Names)
  $ErrorActionPreference = 'Stop'
  foreach ($name in $Names) {
    if ($null -ne (Get-PSSessionConfiguration -Name $name -ErrorAction SilentlyContinue)) { throw ('The ' + $name + ' session configuration is still registered.') }
  }
  if (Test-Path -LiteralPath $Directory) { Remove-Item -LiteralPath $Directory -Recurse -Force }
}
$removeModule = {
  param([string] $ModuleDirectory, [string] $ConfigDirectory)
  $ErrorActionPreference = 'Stop'
  if ($ModuleDirectory -cne 'C:\Program Files\WindowsPowerShell\Modules\AzStackHCI.RemoteSupport') { throw ('Refused: ' + $ModuleDirectory + ' is not the module folder') }
  if ($ConfigDirectory -cne 'C:\ProgramData\AzStackHCI.RemoteSupport') { throw ('Refused: ' + $ConfigDirectory + ' is not the module configuration folder') }
  if (Test-Path -LiteralPath $ModuleDirectory) { Remove-Item -LiteralPath $ModuleDirectory -Recurse -Force }
  foreach ($name in @('gateway.json', 'machine-credential')) {
    $path = $ConfigDirectory + '\' + $name
    if (Test-Path -LiteralPath $path) { Remove-Item -LiteralPath $path -Force }
  }
  if ((Test-Path -LiteralPath $ConfigDirectory) -and @(Get-ChildItem -LiteralPath $ConfigDirectory -Force).Count -eq 0) { Remove-Item -LiteralPath $ConfigDirectory -Force }
}

$stage = 'input'
$exitCode = 0
try {
  $request = Read-Request 'remove'
  $node = [string] $request.node
  Assert-NodeName $node
  $moduleDirectory = [string] $request.moduleDirectory
  Assert-AgentPath $moduleDirectory ($moduleDirectory + '\x.psd1')
  if ($moduleDirectory -notmatch '\\Modules\\[A-Za-z0-9.]+\z') { throw ('Not a module folder: ' + $moduleDirectory) }
  $names = [string[]] @(foreach ($name in @($request.configurationNames)) { Assert-ConfigurationName ([string] $name); [string] $name })
  if ($names.Count -eq 0) { throw 'The request names no session configuration.' }
  $nodeModuleDirectory = [string] $request.nodeModuleDirectory
  Assert-NodeModuleDirectory $nodeModuleDirectory
  $nodeConfigDirectory = [string] $request.nodeConfigDirectory
  Assert-NodeConfigDirectory $nodeConfigDirectory
  $winrmTimeoutMs = [int] $request.winrmTimeoutMs
  $deadline = [DateTime]::UtcNow.AddMilliseconds([int] $request.deadlineMs)

  $stage = 'connect'
  Write-Frame ([ordered]@{ frame = 'step'; step = 'check' })
  Test-NodeConnection -Node $node

  $stage = 'invoke'
  Write-Frame ([ordered]@{ frame = 'step'; step = 'unregister' })
  try {
    $null = Invoke-OnNode -Node $node -ScriptBlock $unregisterConfigurations -ArgumentList (, $names) -TimeoutMs $winrmTimeoutMs
  } catch {
    # WinRM restarts to drop the endpoints and may cut this connection; the next step checks that they are gone.
    if (-not (Test-TransportError $_)) { throw }
  }

  Write-Frame ([ordered]@{ frame = 'step'; step = 'remove' })
  $null = Invoke-OnNodeUntil -Node $node -ScriptBlock $removeFiles -ArgumentList $moduleDirectory, $names -TimeoutMs $winrmTimeoutMs -Deadline $deadline

  Write-Frame ([ordered]@{ frame = 'step'; step = 'module' })
  $null = Invoke-OnNodeUntil -Node $node -ScriptBlock $removeModule -ArgumentList $nodeModuleDirectory, $nodeConfigDirectory -TimeoutMs $winrmTimeoutMs -Deadline $deadline
  Write-Frame ([ordered]@{ frame = 'done' })
} catch {
  Write-Frame ([ordered]@{ frame = 'fatal'; error = (ConvertTo-ErrorFrame $_ $stage) })
  $exitCode = 1
}
exit $exitCode
