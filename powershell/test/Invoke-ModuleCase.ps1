<#
.SYNOPSIS
  Test tool: runs AzStackHCI.RemoteSupport cmdlets one case at a time, in one long-lived pwsh.
.DESCRIPTION
  Imports the module at -ModulePath, prints {"ready":true}, then reads one JSON case per line on stdin
  and answers one JSON line per case, so a test can look at the gateway between cases. Answers start
  with @@case@@; any other line is what the host printed (such as -WhatIf's "What if:" lines).
  Case: { command, parameters: {name: value}, config?: path for $env:AZSHCI_REMOTESUPPORT_CONFIG,
          view?: 'table' | 'list' (the output through Format-Table/Format-List | Out-String),
          help?: true (Get-Help -Full of the command, as text, and its examples) }
  Answer: { ok: true, json: the output as ConvertTo-Json -Depth 32, count, typeNames, text?, progress, warnings }
       or { ok: false, error: { fqid, message, details, action, targetName, category, data }, progress, warnings }.
  Write-Progress is replaced by a recorder, so the answer lists what the cmdlet reported.
#>
[CmdletBinding()]
param([Parameter(Mandatory)] [string] $ModulePath)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'Continue'
Import-Module $ModulePath -Force

$global:RecordedProgress = New-Object System.Collections.Generic.List[object]
# Found before the cmdlet when the module calls Write-Progress (functions come before cmdlets).
function global:Write-Progress {
  param([string] $Activity, [string] $Status, [int] $Id, [int] $ParentId = -1, [int] $PercentComplete = -1, [switch] $Completed)
  $global:RecordedProgress.Add([ordered]@{ id = $Id; parentId = $ParentId; activity = $Activity; status = $Status; percent = $PercentComplete; completed = [bool] $Completed })
}

[Console]::Out.WriteLine('@@case@@{"ready":true}')
while ($null -ne ($line = [Console]::In.ReadLine())) {
  if (-not $line.Trim()) { continue }
  $case = $line | ConvertFrom-Json -AsHashtable
  $global:RecordedProgress.Clear()
  if ($case.ContainsKey('config')) { $env:AZSHCI_REMOTESUPPORT_CONFIG = $case.config }
  $parameters = @{}
  if ($case.ContainsKey('parameters') -and $case.parameters) { $parameters = $case.parameters }
  $answer = [ordered]@{}
  $warnings = @()
  try {
    if ($case.ContainsKey('help') -and $case.help) {
      $help = Get-Help $case.command -Full
      $answer.ok = $true
      $answer.text = $help | Out-String -Width 200
      $answer.examples = @($help.examples.example | ForEach-Object { [ordered]@{ code = $_.code; remarks = (($_.remarks | ForEach-Object { $_.Text }) -join ' ').Trim() } })
      $answer.synopsis = [string] $help.Synopsis
      $answer.parameters = @($help.parameters.parameter | ForEach-Object { [ordered]@{ name = $_.name; description = (($_.description | ForEach-Object { $_.Text }) -join ' ').Trim() } })
    } else {
      $output = @(& $case.command @parameters -WarningVariable warnings -WarningAction SilentlyContinue)
      $answer.ok = $true
      $answer.count = $output.Count
      # A file is reported by its path (a FileInfo's properties lead through its whole folder tree).
      $shown = @($output | ForEach-Object { if ($_ -is [System.IO.FileSystemInfo]) { $_.FullName } else { $_ } })
      $answer.json = ConvertTo-Json -InputObject $shown -Depth 32 -Compress
      $answer.typeNames = @($output | ForEach-Object { if ($_ -is [psobject]) { $_.PSObject.TypeNames[0] } else { $_.GetType().FullName } })
      if ($case.ContainsKey('view') -and $case.view -eq 'table') { $answer.text = $output | Format-Table | Out-String -Width 250 }
      if ($case.ContainsKey('view') -and $case.view -eq 'list') { $answer.text = $output | Format-List | Out-String -Width 250 }
    }
  } catch {
    $data = $null
    if ($_.Exception.Data.Contains('RemoteSupportError')) { $data = $_.Exception.Data['RemoteSupportError'] }
    $answer.ok = $false
    $answer.error = [ordered]@{
      fqid       = $_.FullyQualifiedErrorId
      message    = $_.Exception.Message
      details    = if ($_.ErrorDetails) { $_.ErrorDetails.Message } else { $null }
      action     = if ($_.ErrorDetails) { $_.ErrorDetails.RecommendedAction } else { $null }
      targetName = $_.CategoryInfo.TargetName
      category   = [string] $_.CategoryInfo.Category
      data       = $data
    }
  }
  $answer.progress = $global:RecordedProgress.ToArray()
  $answer.warnings = @($warnings | ForEach-Object { [string] $_ })
  [Console]::Out.WriteLine('@@case@@' + (ConvertTo-Json -InputObject $answer -Depth 12 -Compress))
}
