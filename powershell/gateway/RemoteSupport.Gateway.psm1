<#
  Remote Support for Azure Stack HCI: what every gateway script shares.

  The gateway runs its PowerShell as fixed files (this module, the command
  worker, the agent install and removal, the prerequisite checks). Whatever
  varies (nodes, files, commands, parameters) arrives as JSON on stdin and is
  used as data: bound to parameters, passed as arguments, never parsed as
  script. Every answer is one compressed JSON frame per stdout line.
#>
Set-StrictMode -Version 3.0

$script:Utf8 = New-Object System.Text.UTF8Encoding -ArgumentList $false
$script:Output = $null

<#
.SYNOPSIS
  Opens stdout as a UTF-8 stream of frames (line feeds, no BOM, flushed per line), once per process.
#>
function Open-FrameWriter {
  if ($null -eq $script:Output) {
    $script:Output = New-Object System.IO.StreamWriter -ArgumentList ([Console]::OpenStandardOutput()), $script:Utf8
    $script:Output.AutoFlush = $true
    $script:Output.NewLine = [string][char]10
  }
}

<#
.SYNOPSIS
  Writes one frame (a hashtable) as one compressed JSON line.
#>
function Write-Frame {
  param([Parameter(Mandatory)] [System.Collections.IDictionary] $Frame)
  Open-FrameWriter
  $script:Output.WriteLine((ConvertTo-Json -InputObject $Frame -Depth 8 -Compress))
}

<#
.SYNOPSIS
  A reader of stdin as UTF-8 text.
#>
function New-InputReader {
  return New-Object System.IO.StreamReader -ArgumentList ([Console]::OpenStandardInput()), $script:Utf8
}

<#
.SYNOPSIS
  Reads the one JSON request of a one-shot script from stdin and checks its protocol and operation.
#>
function Read-Request {
  param([Parameter(Mandatory)] [string] $Operation)
  $request = ConvertFrom-Json -InputObject (New-InputReader).ReadToEnd()
  if ($null -eq $request) { throw 'The request is empty.' }
  if ($request.protocol -ne 1) { throw ('Unsupported protocol version: ' + $request.protocol) }
  if ([string] $request.operation -ne $Operation) { throw ('This script runs the ' + $Operation + ' operation, not ' + $request.operation) }
  return $request
}

<#
.SYNOPSIS
  The words of an error message: Test-WSMan and WinRM wrap theirs in WSManFault XML.
#>
function Get-PlainMessage {
  param([AllowEmptyString()] [string] $Text)
  if ($Text.TrimStart().StartsWith('<')) { $Text = ($Text -replace '<[^>]+>', ' ') -replace '\s+', ' ' }
  return $Text.Trim()
}

<#
.SYNOPSIS
  An error record as the gateway's error frame: {stage, message, category, activity, reason,
  targetName, targetType, fullyQualifiedErrorId, exceptionType, transportErrorCode}.
#>
function ConvertTo-ErrorFrame {
  param([Parameter(Mandatory)] $Record, [Parameter(Mandatory)] [string] $Stage)
  $exception = $Record.Exception
  if ($exception -is [System.Management.Automation.MethodInvocationException] -and $null -ne $exception.InnerException) {
    $exception = $exception.InnerException
    if ($exception -is [System.Management.Automation.IContainsErrorRecord]) { $Record = $exception.ErrorRecord }
  }
  $transportCode = $null
  if ($exception -is [System.Management.Automation.Remoting.PSRemotingTransportException]) { $transportCode = $exception.ErrorCode }
  $info = $Record.CategoryInfo
  return [ordered]@{
    stage = $Stage
    message = Get-PlainMessage ([string] $exception.Message)
    category = [string] $info.Category
    activity = [string] $info.Activity
    reason = [string] $info.Reason
    targetName = [string] $info.TargetName
    targetType = [string] $info.TargetType
    fullyQualifiedErrorId = [string] $Record.FullyQualifiedErrorId
    exceptionType = $exception.GetType().FullName
    transportErrorCode = $transportCode
  }
}

<#
.SYNOPSIS
  Whether an error record means the connection to a node failed or broke (rather than the command).
#>
function Test-TransportError {
  param([Parameter(Mandatory)] $Record)
  $exception = $Record.Exception
  while ($exception -is [System.Management.Automation.MethodInvocationException] -and $null -ne $exception.InnerException) { $exception = $exception.InnerException }
  return ($exception -is [System.Management.Automation.Remoting.PSRemotingTransportException]) -or
    ($exception -is [System.Management.Automation.Runspaces.InvalidRunspaceStateException]) -or
    ([string] $Record.FullyQualifiedErrorId -match 'PSSessionStateBroken|PSSessionOpenFailed')
}

<#
.SYNOPSIS
  Runs a fixed script block on a node through the transport's Invoke-OnNode, retrying
  transport errors until the deadline: registering or unregistering a session configuration
  restarts WinRM, which refuses connections for a while.
#>
function Invoke-OnNodeUntil {
  param(
    [Parameter(Mandatory)] [string] $Node,
    [Parameter(Mandatory)] [scriptblock] $ScriptBlock,
    [object[]] $ArgumentList = @(),
    [Parameter(Mandatory)] [int] $TimeoutMs,
    [Parameter(Mandatory)] [datetime] $Deadline
  )
  while ($true) {
    try {
      return Invoke-OnNode -Node $Node -ScriptBlock $ScriptBlock -ArgumentList $ArgumentList -TimeoutMs $TimeoutMs
    } catch {
      if (-not (Test-TransportError $_) -or [DateTime]::UtcNow -ge $Deadline) { throw }
      Start-Sleep -Seconds 2
    }
  }
}

# Patterns end with \z: in .NET a final $ also matches before a trailing line feed.
function Assert-NodeName {
  param([AllowEmptyString()] [string] $Name)
  if ($Name.Length -gt 253 -or $Name -notmatch '^[A-Za-z0-9][A-Za-z0-9-]{0,62}(\.[A-Za-z0-9][A-Za-z0-9-]{0,62})*\z') { throw ('Not a host name: ' + $Name) }
}

function Assert-ConfigurationName {
  param([AllowEmptyString()] [string] $Name)
  if ($Name -notmatch '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}\z') { throw ('Not a session configuration name: ' + $Name) }
}

function Assert-CommandName {
  param([AllowEmptyString()] [string] $Name)
  if ($Name -notmatch '^[A-Za-z]{1,32}-[A-Za-z]{1,64}\z') { throw ('Not a command name: ' + $Name) }
}

<#
.SYNOPSIS
  Checks that a path is a file of the agent module: under the module folder, plain names
  (no empty, . or .. segments), a JEA file type. The gateway applies the same rule first.
#>
function Assert-AgentPath {
  param([Parameter(Mandatory)] [string] $ModuleDirectory, [AllowEmptyString()] [string] $Path)
  $prefix = $ModuleDirectory + '\'
  if (-not $Path.StartsWith($prefix, [System.StringComparison]::OrdinalIgnoreCase)) { throw ('Refused to write ' + $Path + ': agent files go under ' + $prefix) }
  foreach ($segment in $Path.Substring($prefix.Length).Split('\')) {
    if ($segment -notmatch '^[A-Za-z0-9]([A-Za-z0-9 ._-]{0,98}[A-Za-z0-9])?\z') { throw ('Refused to write ' + $Path + ': a folder or file name in it is not a plain name') }
  }
  if ($Path -notmatch '\.(psd1|psrc|pssc)\z') { throw ('Refused to write ' + $Path + ': only .psd1, .psrc and .pssc files are deployed') }
}

# The AzStackHCI.RemoteSupport module and its configuration on a node: fixed folders (node-module.ts).
# Constants, never exported: a script's own variable of the same name cannot move them.
Set-Variable -Scope Script -Option Constant -Name NodeModuleDirectory -Value 'C:\Program Files\WindowsPowerShell\Modules\AzStackHCI.RemoteSupport'
Set-Variable -Scope Script -Option Constant -Name NodeConfigDirectory -Value 'C:\ProgramData\AzStackHCI.RemoteSupport'

<#
.SYNOPSIS
  Checks that a folder is exactly the module's folder, or the module's configuration folder, on a node.
#>
function Assert-NodeModuleDirectory {
  param([AllowEmptyString()] [string] $Directory)
  if ($Directory -cne $script:NodeModuleDirectory) { throw ('Refused: the module folder on a node is ' + $script:NodeModuleDirectory + ', not ' + $Directory) }
}
function Assert-NodeConfigDirectory {
  param([AllowEmptyString()] [string] $Directory)
  if ($Directory -cne $script:NodeConfigDirectory) { throw ('Refused: the module configuration folder on a node is ' + $script:NodeConfigDirectory + ', not ' + $Directory) }
}

<#
.SYNOPSIS
  Checks that a path is a file of the AzStackHCI.RemoteSupport module: directly in its folder,
  a plain name, one of the module's file types (.psd1, .psm1, .format.ps1xml, .cs). The gateway
  applies the same rule first, and the node once more.
#>
function Assert-NodeModulePath {
  param([AllowEmptyString()] [string] $Path)
  $prefix = $script:NodeModuleDirectory + '\'
  if (-not $Path.StartsWith($prefix, [System.StringComparison]::OrdinalIgnoreCase)) { throw ('Refused to write ' + $Path + ': module files go under ' + $prefix) }
  if ($Path.Substring($prefix.Length) -notmatch '^[A-Za-z0-9]([A-Za-z0-9 ._-]{0,98}[A-Za-z0-9])?\z') { throw ('Refused to write ' + $Path + ': not a plain file name directly in the module folder') }
  if ($Path -notmatch '\.(psd1|psm1|format\.ps1xml|cs)\z') { throw ('Refused to write ' + $Path + ': only .psd1, .psm1, .format.ps1xml and .cs files are deployed to the module folder') }
}

<#
.SYNOPSIS
  Checks the module's gateway.json a node gets: JSON with an https endpoint, a cluster, a
  64-hex-digit certificate pin and the node's credential path; and the credential: base64url.
#>
function Assert-NodeConfig {
  param([Parameter(Mandatory)] $NodeConfig)
  Assert-NodeConfigDirectory ([string] $NodeConfig.directory)
  $credentialPath = $script:NodeConfigDirectory + '\machine-credential'
  if ($NodeConfig.gatewayJson -isnot [string]) { throw 'The gateway configuration for the node is not text.' }
  try { $parsed = ConvertFrom-Json -InputObject $NodeConfig.gatewayJson } catch { throw ('The gateway configuration for the node is not JSON: ' + $_.Exception.Message) }
  if ([string] $parsed.endpoint -notmatch '^https://[A-Za-z0-9.\[\]:-]+(:\d{1,5})?/?\z') { throw ('The gateway configuration for the node has no https endpoint: ' + $parsed.endpoint) }
  if ([string] $parsed.cluster -notmatch '^\S+\z') { throw 'The gateway configuration for the node names no cluster.' }
  if ([string] $parsed.certificateSha256 -cnotmatch '^[0-9a-f]{64}\z') { throw 'The gateway configuration for the node has no certificate pin of 64 lowercase hex digits.' }
  if ([string] $parsed.credentialPath -cne $credentialPath) { throw ('The gateway configuration for the node must point at ' + $credentialPath + ', not ' + $parsed.credentialPath) }
  if ($NodeConfig.credential -isnot [string] -or $NodeConfig.credential -cnotmatch '^[A-Za-z0-9_-]{32,256}\z') { throw 'The machine credential for the node is not 32 to 256 base64url characters.' }
}

<#
.SYNOPSIS
  A command's parameters from the request's JSON object as a hashtable to bind by name:
  true becomes a switch, a list a string array, anything else stays the value it is.
#>
function ConvertTo-ParameterTable {
  param($Parameters)
  $table = [ordered]@{}
  if ($null -ne $Parameters) {
    foreach ($p in $Parameters.PSObject.Properties) {
      if ($p.Name -notmatch '^[A-Za-z][A-Za-z0-9]{0,63}\z') { throw ('Not a parameter name: ' + $p.Name) }
      $v = $p.Value
      if ($v -is [bool]) {
        if (-not $v) { throw ('A switch is given as true or left out: ' + $p.Name) }
        $table[$p.Name] = [switch] $true
      }
      elseif ($v -is [array]) { $table[$p.Name] = [string[]] @($v) }
      elseif ($v -is [string] -or $v -is [int] -or $v -is [long]) { $table[$p.Name] = $v }
      else { throw ('The value of ' + $p.Name + ' is not a string, a whole number, a switch or a list of strings.') }
    }
  }
  return $table
}

$script:SkippedProperties = [System.Collections.Generic.HashSet[string]]::new([string[]] @('PSComputerName', 'PSShowComputerName', 'RunspaceId', 'CimClass', 'CimInstanceProperties', 'CimSystemProperties'), [System.StringComparer]::OrdinalIgnoreCase)

<#
.SYNOPSIS
  A property value as plain JSON data: strings, booleans and numbers as they are; dates as UTC
  ISO 8601; enums, GUIDs, versions and time spans as their text; lists and nested objects to a
  depth of 3; anything else as its text.
#>
function ConvertTo-PlainValue {
  param($Value, [int] $Depth)
  if ($null -eq $Value) { return $null }
  $base = $Value
  if ($Value -is [System.Management.Automation.PSObject]) { $base = $Value.PSObject.BaseObject }
  if ($base -is [string] -or $base -is [bool]) { return $base }
  if ($Value.PSObject.TypeNames -contains 'Deserialized.System.Enum') { return $Value.ToString() }
  if ($base -is [datetime]) { return $base.ToUniversalTime().ToString('o') }
  if ($base -is [enum] -or $base -is [char] -or $base -is [guid] -or $base -is [version] -or $base -is [timespan]) { return $base.ToString() }
  if ($base -is [ValueType]) {
    $code = [int][Type]::GetTypeCode($base.GetType())
    if ($code -ge 5 -and $code -le 15) { return $base }
    return $base.ToString()
  }
  if ($Depth -ge 3) { return $Value.ToString() }
  if ($base -is [System.Collections.IDictionary]) {
    $nested = [ordered]@{}
    foreach ($key in $base.Keys) { $nested[[string] $key] = ConvertTo-PlainValue $base[$key] ($Depth + 1) }
    return $nested
  }
  if ($base -is [System.Collections.IEnumerable]) {
    $items = @(foreach ($item in $base) { ConvertTo-PlainValue $item ($Depth + 1) })
    return , $items
  }
  if ($base -is [System.Management.Automation.PSCustomObject]) { return ConvertTo-PlainObject $Value ($Depth + 1) }
  return $Value.ToString()
}

<#
.SYNOPSIS
  One output object as a plain ordered hashtable of its properties (plain values only), as
  the gateway's result objects. A bare value becomes @{ Value = ... }. Strings, booleans and
  numbers, most of any object, are taken as they are without a function call.
#>
function ConvertTo-PlainObject {
  param($Item, [int] $Depth = 0)
  $base = $Item
  if ($Item -is [System.Management.Automation.PSObject]) { $base = $Item.PSObject.BaseObject }
  if ($null -eq $base -or $base -is [string] -or $base -is [ValueType]) {
    return [ordered]@{ Value = (ConvertTo-PlainValue $Item 0) }
  }
  $plain = [ordered]@{}
  foreach ($property in $Item.PSObject.Properties) {
    $name = $property.Name
    if ($script:SkippedProperties.Contains($name)) { continue }
    $value = $null
    try { $value = $property.Value } catch { $value = $null }
    if ($null -eq $value -or $value -is [string] -or $value -is [bool] -or $value -is [int] -or $value -is [long] -or $value -is [double]) { $plain[$name] = $value }
    else { $plain[$name] = ConvertTo-PlainValue $value ($Depth + 1) }
  }
  return $plain
}

Export-ModuleMember -Function Open-FrameWriter, Write-Frame, New-InputReader, Read-Request, Get-PlainMessage, ConvertTo-ErrorFrame,
  Test-TransportError, Invoke-OnNodeUntil, Assert-NodeName, Assert-ConfigurationName, Assert-CommandName, Assert-AgentPath, ConvertTo-ParameterTable,
  Assert-NodeModuleDirectory, Assert-NodeConfigDirectory, Assert-NodeModulePath, Assert-NodeConfig,
  ConvertTo-PlainValue, ConvertTo-PlainObject
