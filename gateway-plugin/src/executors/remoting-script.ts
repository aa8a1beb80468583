/**
 * The one PowerShell script the remoting executor runs, as a constant: the
 * same text for every command, passed to `pwsh -Command`. The command comes
 * as JSON on stdin and is bound with `PowerShell.AddCommand` /
 * `AddParameter`, so neither the cmdlet's name nor any value is ever parsed
 * as script, on the gateway or on the node.
 *
 * Why not `Invoke-Command -ScriptBlock { param($c, $p) & $c @p }`: a JEA
 * endpoint (`SessionType RestrictedRemoteServer`) runs in NoLanguage mode,
 * which refuses script blocks with variables and the call operator. A
 * command pipeline built with AddCommand is what implicit remoting sends
 * too, and JEA accepts it: the endpoint still checks the cmdlet and every
 * parameter against its role capabilities.
 *
 * Protocol (see docs/executors.md): stdin is one JSON request
 * `{protocol: 1, node, endpoint, timeoutMs, command: {cmdlet, parameters, level}}`.
 * Every stdout line is one compressed JSON frame:
 *   `{"frame":"object","value":{...}}`  one output object, properties as plain values
 *   `{"frame":"error","error":{...}}`   a non-terminating error record
 *   `{"frame":"fatal","error":{...}}`   a terminating error; exit code 1
 *   `{"frame":"end","objects":N}`       the command completed; exit code 0
 * An error is `{stage, message, category, activity, reason, targetName,
 * targetType, fullyQualifiedErrorId, exceptionType, transportErrorCode}`,
 * `stage` being input, connect or invoke.
 *
 * The text uses single quotes only, so no command-line quoting on Windows
 * can change it.
 */
export const REMOTING_PROTOCOL_VERSION = 1;

/**
 * The PowerShell text every gateway script starts with: strict errors, no
 * progress output, and a UTF-8 stdout with line-feed newlines for the frames.
 * A constant, shared by the remoting script and the cluster scripts.
 */
export const SCRIPT_PREAMBLE = String.raw`$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$utf8 = New-Object System.Text.UTF8Encoding -ArgumentList $false
$stdout = New-Object System.IO.StreamWriter -ArgumentList ([Console]::OpenStandardOutput()), $utf8
$stdout.AutoFlush = $true
$stdout.NewLine = [string][char]10
`;

/**
 * The error frame both the remoting script and the cluster scripts write
 * (the `RemotingError` shape). A constant; each script defines
 * `Format-ErrorMessage([string] $Text)` for how it words the message.
 */
export const CONVERT_TO_ERROR_FRAME = String.raw`function ConvertTo-ErrorFrame($Record, [string] $Stage) {
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
    message = Format-ErrorMessage ([string] $exception.Message)
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
`;

export const REMOTING_SCRIPT = String.raw`# Remote Support for Azure Stack HCI: one allowlisted command on one node, through its JEA endpoint.
# This text is fixed. The command arrives as JSON on stdin and is bound as data, never parsed as script.
${SCRIPT_PREAMBLE}
function Write-Frame($Frame) {
  $stdout.WriteLine((ConvertTo-Json -InputObject $Frame -Depth 6 -Compress))
}

function ConvertTo-PlainValue($Value, [int] $Depth) {
  if ($null -eq $Value) { return $null }
  $base = $Value
  if ($Value -is [System.Management.Automation.PSObject]) { $base = $Value.PSObject.BaseObject }
  if ($Value.PSObject.TypeNames -contains 'Deserialized.System.Enum') { return $Value.ToString() }
  if ($base -is [string] -or $base -is [bool]) { return $base }
  if ($base -is [datetime]) { return $base.ToUniversalTime().ToString('o') }
  if ($base -is [enum] -or $base -is [char] -or $base -is [guid] -or $base -is [version] -or $base -is [timespan]) { return $base.ToString() }
  $code = [int][Type]::GetTypeCode($base.GetType())
  if ($code -ge 5 -and $code -le 15) { return $base }
  if ($base -is [System.Collections.IEnumerable] -and $Depth -lt 2) {
    $items = @(foreach ($item in $base) { ConvertTo-PlainValue $item ($Depth + 1) })
    return ,$items
  }
  return $Value.ToString()
}

function ConvertTo-PlainObject($Item) {
  $base = $Item
  if ($Item -is [System.Management.Automation.PSObject]) { $base = $Item.PSObject.BaseObject }
  if ($null -eq $base -or $base -is [string] -or $base -is [ValueType]) {
    return [ordered]@{ Value = (ConvertTo-PlainValue $Item 0) }
  }
  $plain = [ordered]@{}
  foreach ($property in $Item.PSObject.Properties) {
    if ($property.Name -in @('PSComputerName', 'PSShowComputerName', 'RunspaceId', 'CimClass', 'CimInstanceProperties', 'CimSystemProperties')) { continue }
    $value = $null
    try { $value = $property.Value } catch { $value = $null }
    $plain[$property.Name] = ConvertTo-PlainValue $value 0
  }
  return $plain
}

function Format-ErrorMessage([string] $Text) {
  return $Text
}

${CONVERT_TO_ERROR_FRAME}
$stage = 'input'
$session = $null
$exitCode = 0
try {
  $reader = New-Object System.IO.StreamReader -ArgumentList ([Console]::OpenStandardInput()), $utf8
  $request = ConvertFrom-Json -InputObject $reader.ReadToEnd()
  if ($request.protocol -ne 1) { throw ('Unsupported protocol version: ' + $request.protocol) }
  $node = [string] $request.node
  $endpoint = [string] $request.endpoint
  $cmdlet = [string] $request.command.cmdlet
  $timeoutMs = [int] $request.timeoutMs
  $parameters = [ordered]@{}
  if ($null -ne $request.command.parameters) {
    foreach ($p in $request.command.parameters.PSObject.Properties) {
      $v = $p.Value
      if ($v -is [bool]) { $parameters[$p.Name] = [switch] $v }
      elseif ($v -is [array]) { $parameters[$p.Name] = [string[]] $v }
      else { $parameters[$p.Name] = $v }
    }
  }

  $stage = 'connect'
  $options = New-PSSessionOption -OpenTimeout $timeoutMs -OperationTimeout $timeoutMs -NoMachineProfile
  $session = New-PSSession -ComputerName $node -ConfigurationName $endpoint -SessionOption $options

  $stage = 'invoke'
  $shell = [PowerShell]::Create()
  $shell.Runspace = $session.Runspace
  [void] $shell.AddCommand($cmdlet)
  foreach ($name in $parameters.Keys) { [void] $shell.AddParameter($name, $parameters[$name]) }
  $inputData = New-Object 'System.Management.Automation.PSDataCollection[psobject]'
  $inputData.Complete()
  $output = New-Object 'System.Management.Automation.PSDataCollection[psobject]'
  $async = $shell.BeginInvoke($inputData, $output)
  $count = 0
  while ($true) {
    $finished = $async.IsCompleted
    foreach ($item in $output.ReadAll()) {
      Write-Frame ([ordered]@{ frame = 'object'; value = (ConvertTo-PlainObject $item) })
      $count++
    }
    foreach ($record in $shell.Streams.Error.ReadAll()) {
      Write-Frame ([ordered]@{ frame = 'error'; error = (ConvertTo-ErrorFrame $record $stage) })
    }
    if ($finished) { break }
    [void] $async.AsyncWaitHandle.WaitOne(50)
  }
  [void] $shell.EndInvoke($async)
  Write-Frame ([ordered]@{ frame = 'end'; objects = $count })
} catch {
  Write-Frame ([ordered]@{ frame = 'fatal'; error = (ConvertTo-ErrorFrame $_ $stage) })
  $exitCode = 1
} finally {
  if ($null -ne $session) { Remove-PSSession -Session $session -ErrorAction SilentlyContinue }
}
exit $exitCode
`;
