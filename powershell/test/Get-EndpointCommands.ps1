<#
.SYNOPSIS
  Test tool: opens a node's endpoint through the local transport and lists what JEA exposes there.
.DESCRIPTION
  Input (stdin, JSON): { "node": "hci-n01", "endpoint": "RemoteSupport.HCI.Diagnostics" }.
  Output (stdout, JSON): { languageMode, commands: [{ name, commandType, parameters: [{ name, validateSets: [[...]], validatePatterns: [...] }] }] }
  with the common parameters left out. Needs the local transport's environment (RS_LOCAL_NODES_ROOT, HCI_TEST_MODULES).
#>
[CmdletBinding()]
param()
$ErrorActionPreference = 'Stop'
Import-Module -Name (Join-Path $PSScriptRoot 'RemoteSupport.LocalTransport.psm1')

$request = [Console]::In.ReadToEnd() | ConvertFrom-Json
$connection = Open-NodeRunspace -Node $request.node -ConfigurationName $request.endpoint -TimeoutMs 30000
$common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
try {
  $shell = [PowerShell]::Create()
  $shell.Runspace = $connection.Runspace
  [void] $shell.AddCommand('Get-Command')
  $found = $shell.Invoke()
  $commands = @(foreach ($command in $found) {
    $parameters = @(foreach ($p in $command.Parameters.Values) {
      if ($p.Name -in $common) { continue }
      $sets = @($p.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] } | ForEach-Object { , @($_.ValidValues) })
      $patterns = @($p.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidatePatternAttribute] } | ForEach-Object { $_.RegexPattern })
      [ordered]@{ name = $p.Name; validateSets = $sets; validatePatterns = $patterns }
    })
    [ordered]@{ name = $command.Name; commandType = [string] $command.CommandType; parameters = $parameters }
  })
  [ordered]@{ languageMode = [string] $connection.Runspace.SessionStateProxy.LanguageMode; commands = $commands } | ConvertTo-Json -Depth 6 -Compress
} finally {
  Close-NodeRunspace -Connection $connection
}
