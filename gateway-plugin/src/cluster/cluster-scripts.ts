import { CONVERT_TO_ERROR_FRAME, SCRIPT_PREAMBLE } from '../executors/remoting-script';
import { JEA_MODULE_NAME } from '../policy/jea-files';

/**
 * The fixed PowerShell scripts that {@link PowerShellClusterTarget} runs on
 * the gateway machine to install the agent on a node, remove it, and check
 * the cluster's prerequisites. Each is one constant text, passed to
 * `pwsh -Command`; everything that varies (the node, the files, the
 * endpoints to probe) arrives as one JSON request on stdin and is used as
 * data: bound to parameters, passed to `Invoke-Command -ArgumentList`,
 * never parsed as script.
 *
 * Protocol (see docs/executors.md, "The cluster target"): stdin is one JSON
 * request `{protocol: 1, operation, ...}`; the script refuses a request for
 * another operation. Every stdout line is one compressed JSON frame:
 *   `{"frame":"step","step":"copy"}`  the script has reached a step (install and remove only)
 *   `{"frame":"done", ...}`           finished; the operation's answer; exit code 0
 *   `{"frame":"fatal","error":{...}}` a terminating error; exit code 1
 * A fatal error has the same fields as the remoting executor's
 * (`{stage, message, category, activity, reason, targetName, targetType,
 * fullyQualifiedErrorId, exceptionType, transportErrorCode}`), so the same
 * classification applies; `stage` is input, connect or invoke.
 *
 * The texts use single quotes only, so no command-line quoting on Windows
 * can change them. The only values spliced in when this module loads are
 * constants of the product (the module folder), never request data.
 */
export const CLUSTER_PROTOCOL_VERSION = 1;

export type ClusterOperation = 'install' | 'remove' | 'prerequisites';

/** Where the agent's files go on a node: the JEA module folder. Nothing is ever written outside it. */
export const AGENT_MODULE_DIRECTORY = `C:\\Program Files\\WindowsPowerShell\\Modules\\${JEA_MODULE_NAME}`;

/** The steps the install script reports, in order. */
export const INSTALL_STEP_IDS = ['check', 'copy', 'register', 'verify'] as const;
/** The steps the remove script reports, in order. */
export const REMOVE_STEP_IDS = ['check', 'unregister', 'remove'] as const;

/** What every script starts with: strict errors, a UTF-8 stdout of frames, the error frame, reading the request. */
const PRELUDE = String.raw`${SCRIPT_PREAMBLE}$moduleDirectory = '${AGENT_MODULE_DIRECTORY}'

function Write-Frame($Frame) {
  $stdout.WriteLine((ConvertTo-Json -InputObject $Frame -Depth 8 -Compress))
}

function Write-Step([string] $Step) {
  Write-Frame ([ordered]@{ frame = 'step'; step = $Step })
}

function Get-PlainMessage([string] $Text) {
  # Test-WSMan and WinRM put their message inside WSManFault XML; keep the words only.
  if ($Text.TrimStart().StartsWith('<')) { $Text = ($Text -replace '<[^>]+>', ' ') -replace '\s+', ' ' }
  return $Text.Trim()
}

function Format-ErrorMessage([string] $Text) {
  return Get-PlainMessage $Text
}

${CONVERT_TO_ERROR_FRAME}
function Test-TransportError($Record) {
  return ($Record.Exception -is [System.Management.Automation.Remoting.PSRemotingTransportException]) -or ([string] $Record.FullyQualifiedErrorId -match 'PSSessionStateBroken|PSSessionOpenFailed')
}

function Read-Request([string] $Operation) {
  $reader = New-Object System.IO.StreamReader -ArgumentList ([Console]::OpenStandardInput()), $utf8
  $request = ConvertFrom-Json -InputObject $reader.ReadToEnd()
  if ($request.protocol -ne 1) { throw ('Unsupported protocol version: ' + $request.protocol) }
  if ([string] $request.operation -ne $Operation) { throw ('This script runs the ' + $Operation + ' operation, not ' + $request.operation) }
  return $request
}

# Patterns end with \z: in .NET a final $ also matches before a trailing line feed.
function Assert-NodeName([string] $Name) {
  if ($Name -notmatch '^[A-Za-z0-9][A-Za-z0-9-]{0,62}(\.[A-Za-z0-9][A-Za-z0-9-]{0,62})*\z') { throw ('Not a host name: ' + $Name) }
}

function Assert-ConfigurationName([string] $Name) {
  if ($Name -notmatch '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}\z') { throw ('Not a session configuration name: ' + $Name) }
}
`;

/**
 * Checks on the gateway that a path is a file of the agent module: under the
 * module folder, plain names (no empty, . or .. segments), a JEA file type.
 * The TypeScript side applies the same rule before anything starts.
 */
const ASSERT_AGENT_PATH = String.raw`function Assert-AgentPath([string] $Path) {
  $prefix = $moduleDirectory + '\'
  if (-not $Path.StartsWith($prefix, [System.StringComparison]::OrdinalIgnoreCase)) { throw ('Refused to write ' + $Path + ': agent files go under ' + $prefix) }
  foreach ($segment in $Path.Substring($prefix.Length).Split('\')) {
    if ($segment -notmatch '^[A-Za-z0-9]([A-Za-z0-9 ._-]{0,98}[A-Za-z0-9])?\z') { throw ('Refused to write ' + $Path + ': a folder or file name in it is not a plain name') }
  }
  if ($Path -notmatch '\.(psd1|psrc|pssc)\z') { throw ('Refused to write ' + $Path + ': only .psd1, .psrc and .pssc files are deployed') }
}
`;

/**
 * Waits out a WinRM restart: registering or unregistering a session
 * configuration restarts WinRM on the node, which can cut the connection
 * that asked for it. Transport errors are retried until the deadline.
 */
const INVOKE_ON_NODE = String.raw`function Invoke-OnNode([scriptblock] $Block, [object[]] $Arguments) {
  while ($true) {
    try {
      return Invoke-Command -ComputerName $node -SessionOption $options -ScriptBlock $Block -ArgumentList $Arguments
    } catch {
      if (-not (Test-TransportError $_) -or [DateTime]::UtcNow -ge $deadline) { throw }
      Start-Sleep -Seconds 2
    }
  }
}
`;

/**
 * Installs the agent on one node. Request:
 * `{protocol, operation: 'install', node, configurationName, files: [{path, content}],
 *   sessionConfigurationPath, manifestPath, winrmTimeoutMs, deadlineMs}`.
 * Steps: check (Test-WSMan, open a session), copy (Set-Content -Encoding UTF8
 * of each file on the node), register (Register-PSSessionConfiguration),
 * verify (Get-PSSessionConfiguration, the module version). Done: `{version}`.
 */
export const INSTALL_AGENT_SCRIPT = String.raw`# Remote Support for Azure Stack HCI: install the agent (the JEA endpoint) on one node.
# This text is fixed. The node and the files arrive as JSON on stdin and are passed as data, never parsed as script.
${PRELUDE}
${ASSERT_AGENT_PATH}
${INVOKE_ON_NODE}
$copyFiles = {
  param([string] $Directory, [object[]] $Files)
  $ErrorActionPreference = 'Stop'
  $prefix = $Directory + '\'
  foreach ($file in $Files) {
    $path = [string] $file.Path
    $inside = $path.StartsWith($prefix, [System.StringComparison]::OrdinalIgnoreCase) -and [System.IO.Path]::GetFullPath($path) -eq $path
    foreach ($segment in $path.Substring([Math]::Min($prefix.Length, $path.Length)).Split('\')) {
      if ($segment -notmatch '^[A-Za-z0-9]([A-Za-z0-9 ._-]{0,98}[A-Za-z0-9])?\z') { $inside = $false }
    }
    if ($path -notmatch '\.(psd1|psrc|pssc)\z') { $inside = $false }
    if (-not $inside) { throw ('Refused to write ' + $path + ': agent files go under ' + $prefix) }
  }
  foreach ($file in $Files) {
    $null = [System.IO.Directory]::CreateDirectory([System.IO.Path]::GetDirectoryName([string] $file.Path))
    Set-Content -LiteralPath ([string] $file.Path) -Value ([string] $file.Content) -Encoding UTF8 -NoNewline
  }
}
$registerConfiguration = {
  param([string] $Name, [string] $Path)
  $ErrorActionPreference = 'Stop'
  if ($null -ne (Get-PSSessionConfiguration -Name $Name -ErrorAction SilentlyContinue)) {
    Unregister-PSSessionConfiguration -Name $Name -NoServiceRestart -Force
  }
  $null = Register-PSSessionConfiguration -Name $Name -Path $Path -Force
}
$verifyConfiguration = {
  param([string] $Name, [string] $ManifestPath)
  $ErrorActionPreference = 'Stop'
  $configuration = Get-PSSessionConfiguration -Name $Name -ErrorAction SilentlyContinue
  if ($null -eq $configuration) { throw ('The ' + $Name + ' session configuration is not registered.') }
  $manifest = Import-PowerShellDataFile -LiteralPath $ManifestPath
  [pscustomobject]@{ Name = [string] $configuration.Name; Version = [string] $manifest.ModuleVersion }
}

$stage = 'input'
$session = $null
$exitCode = 0
try {
  $request = Read-Request 'install'
  $node = [string] $request.node
  Assert-NodeName $node
  $configurationName = [string] $request.configurationName
  Assert-ConfigurationName $configurationName
  $files = @($request.files)
  if ($files.Count -eq 0) { throw 'The request carries no files.' }
  $seen = @{}
  $plainFiles = @(foreach ($file in $files) {
    $path = [string] $file.path
    Assert-AgentPath $path
    if ($file.content -isnot [string]) { throw ('The content of ' + $path + ' is not text.') }
    if ($seen.ContainsKey($path.ToLowerInvariant())) { throw ('The request names ' + $path + ' twice.') }
    $seen[$path.ToLowerInvariant()] = $true
    [pscustomobject]@{ Path = $path; Content = [string] $file.content }
  })
  $sessionConfigurationPath = [string] $request.sessionConfigurationPath
  $manifestPath = [string] $request.manifestPath
  foreach ($path in @($sessionConfigurationPath, $manifestPath)) {
    if (-not $seen.ContainsKey($path.ToLowerInvariant())) { throw ('The request does not carry ' + $path) }
  }
  $winrmTimeoutMs = [int] $request.winrmTimeoutMs
  $deadline = [DateTime]::UtcNow.AddMilliseconds([int] $request.deadlineMs)
  $options = New-PSSessionOption -OpenTimeout $winrmTimeoutMs -OperationTimeout $winrmTimeoutMs -NoMachineProfile

  $stage = 'connect'
  Write-Step 'check'
  $null = Test-WSMan -ComputerName $node
  $session = New-PSSession -ComputerName $node -SessionOption $options

  $stage = 'invoke'
  Write-Step 'copy'
  Invoke-Command -Session $session -ScriptBlock $copyFiles -ArgumentList $moduleDirectory, $plainFiles

  Write-Step 'register'
  try {
    Invoke-Command -Session $session -ScriptBlock $registerConfiguration -ArgumentList $configurationName, $sessionConfigurationPath
  } catch {
    # WinRM restarts to load the new endpoint and may cut this session; the verify step tells whether it took.
    if (-not (Test-TransportError $_)) { throw }
  }
  Remove-PSSession -Session $session -ErrorAction SilentlyContinue
  $session = $null

  Write-Step 'verify'
  $found = @(Invoke-OnNode $verifyConfiguration @($configurationName, $manifestPath)) | Select-Object -First 1
  Write-Frame ([ordered]@{ frame = 'done'; version = [string] $found.Version })
} catch {
  Write-Frame ([ordered]@{ frame = 'fatal'; error = (ConvertTo-ErrorFrame $_ $stage) })
  $exitCode = 1
} finally {
  if ($null -ne $session) { Remove-PSSession -Session $session -ErrorAction SilentlyContinue }
}
exit $exitCode
`;

/**
 * Removes the agent from one node. Request:
 * `{protocol, operation: 'remove', node, configurationName, winrmTimeoutMs, deadlineMs}`.
 * Steps: check (Test-WSMan), unregister (Unregister-PSSessionConfiguration),
 * remove (the module folder, once the endpoint is gone). Done: `{}`.
 */
export const REMOVE_AGENT_SCRIPT = String.raw`# Remote Support for Azure Stack HCI: remove the agent (the JEA endpoint) from one node.
# This text is fixed. The node arrives as JSON on stdin and is passed as data, never parsed as script.
${PRELUDE}
${INVOKE_ON_NODE}
$unregisterConfiguration = {
  param([string] $Name)
  $ErrorActionPreference = 'Stop'
  if ($null -ne (Get-PSSessionConfiguration -Name $Name -ErrorAction SilentlyContinue)) {
    Unregister-PSSessionConfiguration -Name $Name -Force
  }
}
$removeFiles = {
  param([string] $Directory, [string] $Name)
  $ErrorActionPreference = 'Stop'
  if ($null -ne (Get-PSSessionConfiguration -Name $Name -ErrorAction SilentlyContinue)) { throw ('The ' + $Name + ' session configuration is still registered.') }
  if (Test-Path -LiteralPath $Directory) { Remove-Item -LiteralPath $Directory -Recurse -Force }
}

$stage = 'input'
$exitCode = 0
try {
  $request = Read-Request 'remove'
  $node = [string] $request.node
  Assert-NodeName $node
  $configurationName = [string] $request.configurationName
  Assert-ConfigurationName $configurationName
  $winrmTimeoutMs = [int] $request.winrmTimeoutMs
  $deadline = [DateTime]::UtcNow.AddMilliseconds([int] $request.deadlineMs)
  $options = New-PSSessionOption -OpenTimeout $winrmTimeoutMs -OperationTimeout $winrmTimeoutMs -NoMachineProfile

  $stage = 'connect'
  Write-Step 'check'
  $null = Test-WSMan -ComputerName $node

  $stage = 'invoke'
  Write-Step 'unregister'
  try {
    Invoke-Command -ComputerName $node -SessionOption $options -ScriptBlock $unregisterConfiguration -ArgumentList $configurationName
  } catch {
    # WinRM restarts to drop the endpoint and may cut this connection; the next step checks that it is gone.
    if (-not (Test-TransportError $_)) { throw }
  }

  Write-Step 'remove'
  $null = Invoke-OnNode $removeFiles @($moduleDirectory, $configurationName)
  Write-Frame ([ordered]@{ frame = 'done' })
} catch {
  Write-Frame ([ordered]@{ frame = 'fatal'; error = (ConvertTo-ErrorFrame $_ $stage) })
  $exitCode = 1
}
exit $exitCode
`;

/**
 * Checks the prerequisites of the whole cluster in one run. Request:
 * `{protocol, operation: 'prerequisites', nodes, configurationName, moduleName,
 *   probeHosts, probeTimeoutMs, winrmTimeoutMs}`.
 * Get-KdsRootKey runs on the gateway machine (on a node it would need a
 * second hop to a domain controller); every node is asked at once, with
 * Invoke-Command, for its newest Az.StackHCI module, whether the endpoint is
 * registered, and whether each probe host answers on TCP 443 from there.
 * Done: `{checkedAt, kdsRootKey: {available, effectiveTimes, error},
 * nodes: [{node, answered, error, module, moduleError, jea, jeaError,
 * probes: [{host, reachable, message}]}]}`. A node that does not answer is
 * reported with `answered: false` and the reason; it never fails the run.
 */
export const PREREQUISITES_SCRIPT = String.raw`# Remote Support for Azure Stack HCI: check the prerequisites of a cluster.
# This text is fixed. The nodes and endpoints arrive as JSON on stdin and are passed as data, never parsed as script.
${PRELUDE}
$inspectNode = {
  param([string] $ModuleName, [string] $ConfigurationName, [object[]] $ProbeHosts, [int] $ProbeTimeoutMs)
  $ErrorActionPreference = 'Stop'
  $report = [ordered]@{ module = $null; moduleError = $null; jea = $false; jeaError = $null; probes = @() }
  try {
    $found = @(Get-Module -ListAvailable -Name $ModuleName | Sort-Object -Property Version -Descending)
    if ($found.Count -gt 0) { $report.module = [string] $found[0].Version }
  } catch { $report.moduleError = [string] $_.Exception.Message }
  try {
    $report.jea = $null -ne (Get-PSSessionConfiguration -Name $ConfigurationName -ErrorAction SilentlyContinue)
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
  $nodes = @(foreach ($name in @($request.nodes)) { [string] $name })
  if ($nodes.Count -eq 0) { throw 'The request names no nodes.' }
  foreach ($name in $nodes) { Assert-NodeName $name }
  $probeHosts = @(foreach ($name in @($request.probeHosts)) { [string] $name })
  foreach ($name in $probeHosts) { Assert-NodeName $name }
  $configurationName = [string] $request.configurationName
  Assert-ConfigurationName $configurationName
  $moduleName = [string] $request.moduleName
  Assert-ConfigurationName $moduleName
  $winrmTimeoutMs = [int] $request.winrmTimeoutMs
  $probeTimeoutMs = [int] $request.probeTimeoutMs
  $options = New-PSSessionOption -OpenTimeout $winrmTimeoutMs -OperationTimeout $winrmTimeoutMs -NoMachineProfile

  $stage = 'invoke'
  $kds = [ordered]@{ available = $false; effectiveTimes = @(); error = $null }
  try {
    $keys = @(Get-KdsRootKey)
    $kds.available = $true
    $kds.effectiveTimes = @(foreach ($key in $keys) { ([datetime] $key.EffectiveTime).ToUniversalTime().ToString('o') })
  } catch {
    $kds.error = Get-PlainMessage ([string] $_.Exception.Message)
  }

  $remoteErrors = @()
  $answers = @(Invoke-Command -ComputerName $nodes -SessionOption $options -ScriptBlock $inspectNode -ArgumentList $moduleName, $configurationName, $probeHosts, $probeTimeoutMs -ErrorAction SilentlyContinue -ErrorVariable remoteErrors)
  $reports = @(foreach ($name in $nodes) {
    $answer = @($answers | Where-Object { [string] $_.PSComputerName -eq $name }) | Select-Object -First 1
    if ($null -eq $answer) {
      $why = 'it did not answer'
      foreach ($record in @($remoteErrors)) {
        $origin = ''
        if ($null -ne $record.OriginInfo) { $origin = [string] $record.OriginInfo.PSComputerName }
        $text = Get-PlainMessage ([string] $record.Exception.Message)
        if ($origin -eq $name -or [string] $record.CategoryInfo.TargetName -eq $name -or [string] $record.TargetObject -eq $name -or $text.StartsWith('[' + $name + ']')) {
          $why = $text
          break
        }
      }
      [ordered]@{ node = $name; answered = $false; error = $why; module = $null; moduleError = $null; jea = $false; jeaError = $null; probes = @() }
    } else {
      $module = $null
      if ($null -ne $answer.module) { $module = [string] $answer.module }
      [ordered]@{
        node = $name; answered = $true; error = $null
        module = $module; moduleError = $answer.moduleError
        jea = [bool] $answer.jea; jeaError = $answer.jeaError
        probes = @(foreach ($probe in @($answer.probes)) { [ordered]@{ host = [string] $probe.host; reachable = [bool] $probe.reachable; message = [string] $probe.message } })
      }
    }
  })
  Write-Frame ([ordered]@{ frame = 'done'; checkedAt = [DateTime]::UtcNow.ToString('o'); kdsRootKey = $kds; nodes = $reports })
} catch {
  Write-Frame ([ordered]@{ frame = 'fatal'; error = (ConvertTo-ErrorFrame $_ $stage) })
  $exitCode = 1
}
exit $exitCode
`;

/** The script each operation runs. */
export const CLUSTER_SCRIPTS: Readonly<Record<ClusterOperation, string>> = Object.freeze({
  install: INSTALL_AGENT_SCRIPT,
  remove: REMOVE_AGENT_SCRIPT,
  prerequisites: PREREQUISITES_SCRIPT,
});

/** The arguments PowerShell gets for each operation: no profile, no prompts, the fixed script. Nothing from a request is ever added. */
export const CLUSTER_SCRIPT_ARGS: Readonly<Record<ClusterOperation, readonly string[]>> = Object.freeze({
  install: Object.freeze(['-NoLogo', '-NoProfile', '-NonInteractive', '-Command', INSTALL_AGENT_SCRIPT]),
  remove: Object.freeze(['-NoLogo', '-NoProfile', '-NonInteractive', '-Command', REMOVE_AGENT_SCRIPT]),
  prerequisites: Object.freeze(['-NoLogo', '-NoProfile', '-NonInteractive', '-Command', PREREQUISITES_SCRIPT]),
});
