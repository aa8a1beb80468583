<#
.SYNOPSIS
  Test tool: reads PowerShell data files (.psd1, .psrc, .pssc) with PowerShell's own reader and prints them as JSON.
.DESCRIPTION
  Input (stdin, JSON): { "files": ["/path/a.psrc", ...] }.
  Output (stdout, JSON): {
    files: [{ path, data, error }],            # data as Import-PowerShellDataFile reads it
    sessionConfigurationKeys: [...],           # the parameters of New-PSSessionConfigurationFile
    roleCapabilityKeys: [...],                 # the parameters of New-PSRoleCapabilityFile
    testSessionConfigurationFile: bool,        # whether Test-PSSessionConfigurationFile exists here (Windows only)
    valid: [{ path, valid }]                   # its verdict on every .pssc, where it exists
  }
#>
[CmdletBinding()]
param()
$ErrorActionPreference = 'Stop'

$request = [Console]::In.ReadToEnd() | ConvertFrom-Json
$common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters

function Get-ParameterName([string] $Command) {
  @((Get-Command -Name $Command).Parameters.Keys | Where-Object { $_ -notin $common -and $_ -ne 'Path' })
}

$files = @(foreach ($path in @($request.files)) {
  try {
    [ordered]@{ path = $path; data = (Import-PowerShellDataFile -LiteralPath $path); error = $null }
  } catch {
    [ordered]@{ path = $path; data = $null; error = $_.Exception.Message }
  }
})

$testCommand = Get-Command -Name Test-PSSessionConfigurationFile -ErrorAction SilentlyContinue
$valid = @(if ($null -ne $testCommand) {
  foreach ($path in @($request.files) | Where-Object { $_ -like '*.pssc' }) {
    [ordered]@{ path = $path; valid = [bool] (Test-PSSessionConfigurationFile -Path $path) }
  }
})

[ordered]@{
  files = $files
  sessionConfigurationKeys = @(Get-ParameterName 'New-PSSessionConfigurationFile')
  roleCapabilityKeys = @(Get-ParameterName 'New-PSRoleCapabilityFile')
  testSessionConfigurationFile = $null -ne $testCommand
  valid = $valid
} | ConvertTo-Json -Depth 12 -Compress
