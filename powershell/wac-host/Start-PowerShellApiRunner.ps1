<#
.SYNOPSIS
  Remote Support for Azure Stack HCI, embedded default and tests only: one PowerShell session of
  the stand-in for Windows Admin Center's PowerShell API (docs/wac-powershell-stand-in.md).
.DESCRIPTION
  WAC keeps a runspace per PowerShell session and runs in it the scripts the SDK sends. This
  process does the same on the gateway's machine: it opens one runspace at start and runs each
  script in it, so what one script defines (variables, imported modules) the next one sees.

  Protocol: stdin and stdout carry one compressed JSON object per line.
    in   {"type":"run","id":7,"script":"param($Name) ...","parameters":{"Name":"x"}}
    in   {"type":"cancel","id":7}                  stop command 7 (PowerShell's Stop on its pipeline)
    in   {"type":"reset"}                          drop the runspace and open a fresh one (the gateway
                                                   reuses the process for a new session: nothing of the
                                                   last session's state is kept: variables, functions,
                                                   modules and environment variables are as at start;
                                                   loaded assemblies stay)
    out  {"frame":"ready","pid":1234}
    out  {"frame":"object","id":7,"value":...}       one output object
    out  {"frame":"error","id":7,"error":{...}}      one error record, in WAC's error shape
    out  {"frame":"end","id":7,"stopped":false}      the command is over
  The script is the SDK's script text, compiled as WAC compiles it; its parameters are bound by
  name with AddParameters, as data: no parameter value is ever made part of the script text.
  Closing stdin ends the process after the current command.
#>
[CmdletBinding()]
param()
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
Set-StrictMode -Version 3.0
Import-Module -Name (Join-Path (Split-Path -Parent $PSScriptRoot) 'gateway' 'RemoteSupport.Gateway.psm1')

function New-SessionRunspace {
  $fresh = [runspacefactory]::CreateRunspace()
  $fresh.Open()
  return $fresh
}

<#
.SYNOPSIS
  Puts the process's environment variables back as they were at start: a session's $env: changes
  are process-wide and must not reach the next session.
#>
function Restore-Environment([System.Collections.IDictionary] $Saved) {
  $now = [Environment]::GetEnvironmentVariables()
  foreach ($name in @($now.Keys)) {
    if (-not $Saved.Contains($name)) { [Environment]::SetEnvironmentVariable([string] $name, [NullString]::Value) }
  }
  foreach ($name in @($Saved.Keys)) {
    if ($now[$name] -cne $Saved[$name]) { [Environment]::SetEnvironmentVariable([string] $name, [string] $Saved[$name]) }
  }
}

$startEnvironment = [Environment]::GetEnvironmentVariables()
$startDirectory = [Environment]::CurrentDirectory
$runspace = New-SessionRunspace
$reader = New-InputReader
$script:pendingLine = $reader.ReadLineAsync()
$script:closing = $false

<#
.SYNOPSIS
  One output object as WAC returns it: strings, booleans and numbers as they are, objects as
  their properties (nested objects and lists to a depth of 3).
#>
function ConvertTo-ResultValue($Item) {
  if ($null -eq $Item) { return $null }
  $base = $Item
  if ($Item -is [System.Management.Automation.PSObject]) { $base = $Item.PSObject.BaseObject }
  if ($base -is [string] -or $base -is [bool]) { return $base }
  if ($base -is [ValueType] -or $base -is [System.Collections.IDictionary] -or $base -is [System.Collections.IEnumerable]) { return ConvertTo-PlainValue $Item 0 }
  return ConvertTo-PlainObject $Item
}

<#
.SYNOPSIS
  An error record in the shape the SDK reads from WAC (Net.parseErrorResponse): errorType,
  message and a detailRecord.
#>
function ConvertTo-ApiError($Record) {
  $exception = $Record.Exception
  while ($exception -is [System.Management.Automation.MethodInvocationException] -and $null -ne $exception.InnerException) { $exception = $exception.InnerException }
  if ($exception -is [System.Management.Automation.IContainsErrorRecord] -and $null -ne $exception.ErrorRecord) { $Record = $exception.ErrorRecord }
  $info = $Record.CategoryInfo
  $message = [string] $exception.Message
  return [ordered]@{
    errorType = $exception.GetType().Name
    message = $message
    detailRecord = [ordered]@{
      fullyQualifiedErrorId = [string] $Record.FullyQualifiedErrorId
      category = [string] $info.Category
      targetName = [string] $info.TargetName
      exceptionType = $exception.GetType().FullName
      remoteExceptionMessage = $message
    }
  }
}

<#
.SYNOPSIS
  The parameters of a run request as a hashtable to bind by name. Names are checked; values
  stay what JSON made them (text, numbers, booleans for switches, lists, objects).
#>
function ConvertTo-Parameters($Parameters) {
  $table = @{}
  if ($null -eq $Parameters) { return $table }
  foreach ($p in $Parameters.PSObject.Properties) {
    if ($p.Name -notmatch '^[A-Za-z_][A-Za-z0-9_]{0,127}\z') { throw ('Not a parameter name: ' + $p.Name) }
    $table[$p.Name] = $p.Value
  }
  return $table
}

function Write-Outputs([int] $Id, $Output, $Shell) {
  foreach ($item in $Output.ReadAll()) {
    Write-Frame ([ordered]@{ frame = 'object'; id = $Id; value = (ConvertTo-ResultValue $item) })
  }
  foreach ($record in $Shell.Streams.Error.ReadAll()) {
    Write-Frame ([ordered]@{ frame = 'error'; id = $Id; error = (ConvertTo-ApiError $record) })
  }
}

<#
  Takes a line that arrived while a command runs: a cancel of that command stops it; another
  run is refused (the gateway sends one command per session at a time).
#>
function Receive-WhileBusy([int] $Id, $Shell) {
  while ($script:pendingLine.IsCompleted) {
    $line = $script:pendingLine.GetAwaiter().GetResult()
    if ($null -eq $line) {
      $script:closing = $true
      [void] $Shell.BeginStop($null, $null)
      return
    }
    $script:pendingLine = $reader.ReadLineAsync()
    $message = $null
    try { $message = ConvertFrom-Json -InputObject $line -DateKind String } catch { continue }
    if ($null -eq $message) { continue }
    if ($message.type -eq 'cancel' -and [int] $message.id -eq $Id) { [void] $Shell.BeginStop($null, $null) }
  }
}

function Invoke-Run($Request) {
  $id = [int] $Request.id
  $shell = $null
  $stopped = $false
  try {
    $script = [string] $Request.script
    $parameters = ConvertTo-Parameters $Request.parameters
    $shell = [PowerShell]::Create()
    $shell.Runspace = $runspace
    [void] $shell.AddScript($script).AddParameters($parameters)
    $inputData = New-Object 'System.Management.Automation.PSDataCollection[psobject]'
    $inputData.Complete()
    $output = New-Object 'System.Management.Automation.PSDataCollection[psobject]'
    $async = $shell.BeginInvoke($inputData, $output)
    while (-not $async.AsyncWaitHandle.WaitOne(15)) {
      Write-Outputs $id $output $shell
      Receive-WhileBusy $id $shell
    }
    try {
      [void] $shell.EndInvoke($async)
    } finally {
      Write-Outputs $id $output $shell
    }
  } catch {
    $inner = $_.Exception
    while ($inner -is [System.Management.Automation.MethodInvocationException] -and $null -ne $inner.InnerException) { $inner = $inner.InnerException }
    if ($inner -is [System.Management.Automation.PipelineStoppedException]) { $stopped = $true }
    else { Write-Frame ([ordered]@{ frame = 'error'; id = $id; error = (ConvertTo-ApiError $_) }) }
  } finally {
    if ($null -ne $shell) { $shell.Dispose() }
  }
  Write-Frame ([ordered]@{ frame = 'end'; id = $id; stopped = $stopped })
}

Write-Frame ([ordered]@{ frame = 'ready'; pid = $PID })
try {
  while (-not $script:closing) {
    $line = $script:pendingLine.GetAwaiter().GetResult()
    if ($null -eq $line) { break }
    $script:pendingLine = $reader.ReadLineAsync()
    if ($line.Trim() -eq '') { continue }
    $message = $null
    try { $message = ConvertFrom-Json -InputObject $line -DateKind String } catch { $message = $null }
    if ($null -eq $message -or $null -eq $message.PSObject.Properties['type']) { continue }
    if ([string] $message.type -eq 'run') { Invoke-Run $message }
    elseif ([string] $message.type -eq 'reset') {
      $runspace.Dispose()
      Restore-Environment $startEnvironment
      [Environment]::CurrentDirectory = $startDirectory
      $runspace = New-SessionRunspace
    }
  }
} finally {
  $runspace.Dispose()
}
