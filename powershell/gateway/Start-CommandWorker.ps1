<#
.SYNOPSIS
  Remote Support for Azure Stack HCI: a long-lived worker that runs checked commands on nodes.
.DESCRIPTION
  The gateway keeps a small pool of these processes. Each runs one command at a time and keeps
  one open session per node and endpoint (one endpoint per access level), opened on first use
  and opened again when it breaks, so a command costs one round trip, not a new process and a
  new JEA session.

  Protocol (docs/executors.md): stdin and stdout carry one compressed JSON object per line.
    in   {"type":"run","id":7,"node":"hci-n01","endpoint":"RemoteSupport.HCI.Diagnostics",
          "timeoutMs":120000,"command":{"cmdlet":"Get-Example","parameters":{"Name":["web*"]}}}
    in   {"type":"cancel","id":7}          stop command 7 (PowerShell's Stop on its pipeline)
    out  {"frame":"ready","protocol":2,"pid":1234}
    out  {"frame":"started","id":7}                  the worker took the command (before it reaches the node)
    out  {"frame":"object","id":7,"value":{...}}     one output object, plain values only
    out  {"frame":"error","id":7,"error":{...}}      a non-terminating error record
    out  {"frame":"fatal","id":7,"error":{...},"stopped":false}  the command failed (or was stopped)
    out  {"frame":"end","id":7,"objects":3}          the command completed
    out  {"frame":"session","node":..,"endpoint":..,"event":"opened"|"closed"}
  The command is bound with AddCommand/AddParameter: neither its name nor any value is ever
  parsed as script, here or on the node. Closing stdin ends the worker after the current command.
.PARAMETER TransportModule
  The module that reaches the nodes: RemoteSupport.WinRM.psm1 in production.
#>
[CmdletBinding()]
param(
  [Parameter(Mandatory)] [string] $TransportModule
)
. (Join-Path $PSScriptRoot 'Initialize-GatewayScript.ps1') $TransportModule

$sessions = @{}
$reader = New-InputReader
$script:pendingLine = $reader.ReadLineAsync()
$script:closing = $false

function Close-Session([string] $Key) {
  $connection = $sessions[$Key]
  if ($null -eq $connection) { return }
  $sessions.Remove($Key)
  try { Close-NodeRunspace -Connection $connection } catch { }
  $parts = $Key.Split('|')
  Write-Frame ([ordered]@{ frame = 'session'; node = $parts[0]; endpoint = $parts[1]; event = 'closed' })
}

function Get-Session([string] $Node, [string] $Endpoint, [int] $TimeoutMs) {
  $key = $Node.ToLowerInvariant() + '|' + $Endpoint
  $connection = $sessions[$key]
  if ($null -ne $connection -and -not (Test-NodeRunspace -Connection $connection)) {
    Close-Session $key
    $connection = $null
  }
  if ($null -eq $connection) {
    $connection = Open-NodeRunspace -Node $Node -ConfigurationName $Endpoint -TimeoutMs $TimeoutMs
    $sessions[$key] = $connection
    Write-Frame ([ordered]@{ frame = 'session'; node = $Node; endpoint = $Endpoint; event = 'opened' })
  }
  return $connection
}

<#
  Takes a line that arrived while a command runs: a cancel of that command stops it; anything
  else is answered at once (the gateway sends one command per worker at a time).
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
    try { $message = ConvertFrom-Json -InputObject $line } catch { continue }
    if ($null -eq $message) { continue }
    if ($message.type -eq 'cancel' -and [int] $message.id -eq $Id) {
      [void] $Shell.BeginStop($null, $null)
    } elseif ($message.type -eq 'run') {
      Write-Frame ([ordered]@{ frame = 'fatal'; id = $message.id; stopped = $false; error = [ordered]@{ stage = 'input'; message = 'The worker is busy with another command.'; category = 'ResourceBusy'; activity = ''; reason = ''; targetName = ''; targetType = ''; fullyQualifiedErrorId = 'WorkerBusy'; exceptionType = ''; transportErrorCode = $null } })
    }
  }
}

function Invoke-Run($Request) {
  $id = $null
  $stage = 'input'
  $shell = $null
  $key = $null
  try {
    $id = [int] $Request.id
    # Said before anything reaches a node: a worker that dies before this line never began the command.
    Write-Frame ([ordered]@{ frame = 'started'; id = $id })
    $node = [string] $Request.node
    Assert-NodeName $node
    $endpoint = [string] $Request.endpoint
    Assert-ConfigurationName $endpoint
    $cmdlet = [string] $Request.command.cmdlet
    Assert-CommandName $cmdlet
    $timeoutMs = [int] $Request.timeoutMs
    if ($timeoutMs -le 0) { throw 'timeoutMs must be a positive number of milliseconds.' }
    $parameters = ConvertTo-ParameterTable $Request.command.parameters

    $stage = 'connect'
    $key = $node.ToLowerInvariant() + '|' + $endpoint
    $connection = Get-Session $node $endpoint $timeoutMs

    $stage = 'invoke'
    $shell = [PowerShell]::Create()
    $shell.Runspace = $connection.Runspace
    [void] $shell.AddCommand($cmdlet)
    foreach ($name in $parameters.Keys) { [void] $shell.AddParameter($name, $parameters[$name]) }
    $inputData = New-Object 'System.Management.Automation.PSDataCollection[psobject]'
    $inputData.Complete()
    $output = New-Object 'System.Management.Automation.PSDataCollection[psobject]'
    $async = $shell.BeginInvoke($inputData, $output)
    $count = 0
    while ($true) {
      $finished = $async.AsyncWaitHandle.WaitOne(15)
      foreach ($item in $output.ReadAll()) {
        Write-Frame ([ordered]@{ frame = 'object'; id = $id; value = (ConvertTo-PlainObject $item) })
        $count++
      }
      foreach ($record in $shell.Streams.Error.ReadAll()) {
        Write-Frame ([ordered]@{ frame = 'error'; id = $id; error = (ConvertTo-ErrorFrame $record $stage) })
      }
      if ($finished -or $async.IsCompleted) { break }
      Receive-WhileBusy $id $shell
    }
    [void] $shell.EndInvoke($async)
    foreach ($item in $output.ReadAll()) {
      Write-Frame ([ordered]@{ frame = 'object'; id = $id; value = (ConvertTo-PlainObject $item) })
      $count++
    }
    Write-Frame ([ordered]@{ frame = 'end'; id = $id; objects = $count })
  } catch {
    $record = $_
    $stopped = $false
    $inner = $record.Exception
    while ($inner -is [System.Management.Automation.MethodInvocationException] -and $null -ne $inner.InnerException) { $inner = $inner.InnerException }
    if ($inner -is [System.Management.Automation.PipelineStoppedException]) { $stopped = $true }
    if ($null -ne $key -and (Test-TransportError $record)) { Close-Session $key }
    Write-Frame ([ordered]@{ frame = 'fatal'; id = $id; stopped = $stopped; error = (ConvertTo-ErrorFrame $record $stage) })
  } finally {
    if ($null -ne $shell) { $shell.Dispose() }
  }
}

Write-Frame ([ordered]@{ frame = 'ready'; protocol = 2; pid = $PID })
try {
  while (-not $script:closing) {
    $line = $script:pendingLine.GetAwaiter().GetResult()
    if ($null -eq $line) { break }
    $script:pendingLine = $reader.ReadLineAsync()
    if ($line.Trim() -eq '') { continue }
    $message = $null
    try { $message = ConvertFrom-Json -InputObject $line } catch { $message = $null }
    if ($null -eq $message -or $null -eq $message.PSObject.Properties['type']) {
      Write-Frame ([ordered]@{ frame = 'fatal'; id = $null; stopped = $false; error = [ordered]@{ stage = 'input'; message = 'A request is not a JSON object with a type.'; category = 'InvalidData'; activity = ''; reason = ''; targetName = ''; targetType = ''; fullyQualifiedErrorId = 'BadRequest'; exceptionType = ''; transportErrorCode = $null } })
      continue
    }
    switch ([string] $message.type) {
      'run' { Invoke-Run $message }
      default { }
    }
  }
} finally {
  foreach ($key in @($sessions.Keys)) { Close-Session $key }
}
