<#
.SYNOPSIS
  Remote Support for Azure Stack HCI: checks the prerequisites of a cluster in one run.
.DESCRIPTION
  Request (stdin, JSON): {protocol: 1, operation: 'prerequisites', nodes, configurationNames, moduleName,
  probeHosts, probeTimeoutMs, winrmTimeoutMs}.
  Get-KdsRootKey runs here, on the gateway machine (on a node it would need a second hop to a
  domain controller). Every node is asked at once for its newest module of moduleName, which of
  the agent's session configurations it has, and whether each probe host answers on TCP 443
  from there. A node that does not answer is reported with answered = false and the reason;
  it never fails the run.
  Answer: {"frame":"done", checkedAt, kdsRootKey: {available, effectiveTimes, error},
  nodes: [{node, answered, error, module, moduleError, jea, jeaError, probes: [{host, reachable, message}]}]}.
.PARAMETER TransportModule
  How nodes are reached: RemoteSupport.WinRM.psm1 in production.
#>
[CmdletBinding()]
param(
  [Parameter(Mandatory)] [string] $TransportModule
)
. (Join-Path $PSScriptRoot 'Initialize-GatewayScript.ps1') $TransportModule

$inspectNode = {
  param([string] $ModuleName, [string[]] $ConfigurationNames, [string[]] $ProbeHosts, [int] $ProbeTimeoutMs)
  $ErrorActionPreference = 'Stop'
  $report = [ordered]@{ module = $null; moduleError = $null; jea = $false; jeaError = $null; probes = @() }
  try {
    $found = @(Get-Module -ListAvailable -Name $ModuleName | Sort-Object -Property Version -Descending)
    if ($found.Count -gt 0) { $report.module = [string] $found[0].Version }
  } catch { $report.moduleError = [string] $_.Exception.Message }
  try {
    $missing = @($ConfigurationNames | Where-Object { $null -eq (Get-PSSessionConfiguration -Name $_ -ErrorAction SilentlyContinue) })
    $report.jea = $missing.Count -eq 0
    if ($missing.Count -gt 0 -and $missing.Count -lt $ConfigurationNames.Count) { $report.jeaError = 'Missing: ' + ($missing -join ', ') }
  } catch { $report.jeaError = [string] $_.Exception.Message }
  $pending = @(foreach ($probeHost in $ProbeHosts) {
    $client = New-Object System.Net.Sockets.TcpClient
    $task = $null
    $failure = $null
    try { $task = $client.ConnectAsync([string] $probeHost, 443) } catch { $failure = [string] $_.Exception.Message }
    [pscustomobject]@{ Name = [string] $probeHost; Client = $client; Task = $task; Failure = $failure }
  })
  $probeDeadline = [DateTime]::UtcNow.AddMilliseconds($ProbeTimeoutMs)
  $report.probes = @(foreach ($probe in $pending) {
    $reachable = $false
    $message = $probe.Failure
    if ($null -ne $probe.Task) {
      $left = [int] [Math]::Max(0, ($probeDeadline - [DateTime]::UtcNow).TotalMilliseconds)
      try {
        if ($probe.Task.Wait($left)) { $reachable = $probe.Client.Connected }
        else { $message = 'no answer within ' + $ProbeTimeoutMs + ' ms' }
      } catch {
        $inner = $_.Exception
        while ($null -ne $inner.InnerException) { $inner = $inner.InnerException }
        $message = [string] $inner.Message
      }
    }
    $probe.Client.Dispose()
    [pscustomobject]@{ host = $probe.Name; reachable = [bool] $reachable; message = [string] $message }
  })
  [pscustomobject] $report
}

$stage = 'input'
$exitCode = 0
try {
  $request = Read-Request 'prerequisites'
  $nodes = [string[]] @(foreach ($name in @($request.nodes)) { [string] $name })
  if ($nodes.Count -eq 0) { throw 'The request names no nodes.' }
  foreach ($name in $nodes) { Assert-NodeName $name }
  $probeHosts = [string[]] @(foreach ($name in @($request.probeHosts)) { [string] $name })
  foreach ($name in $probeHosts) { Assert-NodeName $name }
  $configurationNames = [string[]] @(foreach ($name in @($request.configurationNames)) { [string] $name })
  foreach ($name in $configurationNames) { Assert-ConfigurationName $name }
  $moduleName = [string] $request.moduleName
  Assert-ConfigurationName $moduleName
  $winrmTimeoutMs = [int] $request.winrmTimeoutMs
  $probeTimeoutMs = [int] $request.probeTimeoutMs

  $stage = 'invoke'
  $kds = [ordered]@{ available = $false; effectiveTimes = @(); error = $null }
  try {
    $keys = @(Get-KdsRootKey)
    $kds.available = $true
    $kds.effectiveTimes = @(foreach ($key in $keys) { ([datetime] $key.EffectiveTime).ToUniversalTime().ToString('o') })
  } catch {
    $kds.error = Get-PlainMessage ([string] $_.Exception.Message)
  }

  $answers = @(Invoke-OnNodes -Nodes $nodes -ScriptBlock $inspectNode -ArgumentList $moduleName, $configurationNames, $probeHosts, $probeTimeoutMs -TimeoutMs $winrmTimeoutMs)
  $reports = @(foreach ($name in $nodes) {
    $answer = @($answers | Where-Object { $_.Node -eq $name }) | Select-Object -First 1
    if ($null -eq $answer -or $null -eq $answer.Output) {
      $why = 'it did not answer'
      if ($null -ne $answer -and $answer.Error) { $why = Get-PlainMessage ([string] $answer.Error) }
      [ordered]@{ node = $name; answered = $false; error = $why; module = $null; moduleError = $null; jea = $false; jeaError = $null; probes = @() }
    } else {
      $out = $answer.Output
      $module = $null
      if ($null -ne $out.module) { $module = [string] $out.module }
      [ordered]@{
        node = $name; answered = $true; error = $null
        module = $module; moduleError = $out.moduleError
        jea = [bool] $out.jea; jeaError = $out.jeaError
        probes = @(foreach ($probe in @($out.probes)) { [ordered]@{ host = [string] $probe.host; reachable = [bool] $probe.reachable; message = [string] $probe.message } })
      }
    }
  })
  Write-Frame ([ordered]@{ frame = 'done'; checkedAt = [DateTime]::UtcNow.ToString('o'); kdsRootKey = $kds; nodes = $reports })
} catch {
  Write-Frame ([ordered]@{ frame = 'fatal'; error = (ConvertTo-ErrorFrame $_ $stage) })
  $exitCode = 1
}
exit $exitCode
