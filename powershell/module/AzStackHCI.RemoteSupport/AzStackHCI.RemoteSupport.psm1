# Remote Support for Azure Stack HCI: the reference's *-AzStackHCIRemoteSupport cmdlets, as calls to the
# gateway's admin API over pinned HTTPS. Runs on Windows PowerShell 5.1 and PowerShell 7: no syntax or
# parameter that only one of them has (powershell/test/Test-WindowsPowerShellSyntax.ps1 checks this file).
Set-StrictMode -Version 3.0

$script:FeatureSegment = 'features/remoteSupport'
$script:AccessLevels = @('Diagnostics', 'DiagnosticsRepair')
# Transcript pages are read at the API's largest page size.
$script:TranscriptPageSize = 1000
# Items asked for per page of a paged list (session and consent history): the gateway's maximum, so a long list takes few calls.
$script:ListPageSize = 500
$script:RequestTimeoutSeconds = 120
$script:PollMilliseconds = 300
# One HttpClient per endpoint and pin, kept for the session so connections are reused (WAC keeps a runspace).
$script:Clients = @{}
$script:IsCore = $PSVersionTable.PSEdition -eq 'Core'
$script:IsWindowsHost = [Environment]::OSVersion.Platform -eq [PlatformID]::Win32NT

# Kinds of the objects nested in each kind of answer, so every level carries its PSTypeName.
$script:NestedKinds = @{
  GrantResult    = @{ grant = 'Grant'; superseded = 'Grant' }
  RevokeResult   = @{ revoked = 'Grant' }
  ClusterStatus  = @{ nodes = 'NodeStatus'; activeGrant = 'Grant'; liveSessions = 'Session'; agentOperation = 'AgentOperation' }
  AgentOperation = @{ nodes = 'NodeProgress' }
  Prerequisites  = @{ checks = 'PrerequisiteCheck' }
  LevelCommands  = @{ commands = 'CommandEntry' }
  SessionDetail  = @{ session = 'Session'; transcript = 'TranscriptPage' }
  SessionResult  = @{ session = 'Session' }
  SessionHistoryPage = @{ sessions = 'Session' }
  AccessPage     = @{ grants = 'Grant' }
  SearchPage     = @{ hits = 'SearchHit' }
  TranscriptPage = @{ entries = 'TranscriptEntry' }
}

#region Errors

# Builds the ErrorRecord every failure becomes: the catalog code first in FullyQualifiedErrorId, the
# gateway's message in ErrorDetails, the field as the target, and the catalog body in Exception.Data.
function New-RemoteSupportErrorRecord {
  param(
    [Parameter(Mandatory)] [string] $Code,
    [Parameter(Mandatory)] [string] $Message,
    [string] $Field,
    [string] $Allowed,
    [System.Management.Automation.ErrorCategory] $Category = 'NotSpecified',
    [string] $RecommendedAction,
    [System.Exception] $InnerException
  )
  $body = @{ code = $Code; message = $Message }
  if ($Field) { $body['field'] = $Field }
  if ($Allowed) { $body['allowed'] = $Allowed }
  if ($InnerException) {
    $exception = New-Object System.InvalidOperationException -ArgumentList $Message, $InnerException
  } else {
    $exception = New-Object System.InvalidOperationException -ArgumentList $Message
  }
  $exception.Data['RemoteSupportError'] = $body
  $record = New-Object System.Management.Automation.ErrorRecord -ArgumentList $exception, $Code, $Category, $Field
  if ($Field) { $record.CategoryInfo.TargetName = $Field }
  $record.ErrorDetails = New-Object System.Management.Automation.ErrorDetails -ArgumentList $Message
  if ($RecommendedAction) { $record.ErrorDetails.RecommendedAction = $RecommendedAction }
  $record
}

function Get-RemoteSupportErrorCategory {
  param([int] $Status)
  switch ($Status) {
    400 { return [System.Management.Automation.ErrorCategory]::InvalidArgument }
    401 { return [System.Management.Automation.ErrorCategory]::AuthenticationError }
    403 { return [System.Management.Automation.ErrorCategory]::PermissionDenied }
    404 { return [System.Management.Automation.ErrorCategory]::ObjectNotFound }
    409 { return [System.Management.Automation.ErrorCategory]::ResourceBusy }
    413 { return [System.Management.Automation.ErrorCategory]::LimitsExceeded }
    429 { return [System.Management.Automation.ErrorCategory]::LimitsExceeded }
  }
  [System.Management.Automation.ErrorCategory]::NotSpecified
}

#endregion

#region Configuration

function Get-RemoteSupportConfigPath {
  if ($env:AZSHCI_REMOTESUPPORT_CONFIG) { return $env:AZSHCI_REMOTESUPPORT_CONFIG }
  if ($script:IsWindowsHost) { return (Join-Path $env:ProgramData 'AzStackHCI.RemoteSupport\gateway.json') }
  '/etc/azstackhci-remotesupport/gateway.json'
}

# Reads and checks the gateway configuration: { endpoint, cluster, clusters, certificateSha256, credentialPath }.
function Read-RemoteSupportConfig {
  param([Parameter(Mandatory)] $Cmdlet)
  $path = Get-RemoteSupportConfigPath
  $howTo = 'Run Set-AzStackHCIRemoteSupportGateway -Endpoint -CertificateSha256 -CredentialPath, or point $env:AZSHCI_REMOTESUPPORT_CONFIG at the gateway''s module-config.json.'
  if (-not (Test-Path -LiteralPath $path -PathType Leaf)) {
    $Cmdlet.ThrowTerminatingError((New-RemoteSupportErrorRecord -Code 'GatewayUnreachable' -Category ObjectNotFound `
      -Message ('No gateway configuration: ' + $path + ' does not exist. ' + $howTo)))
  }
  try {
    $config = [System.IO.File]::ReadAllText($path) | ConvertFrom-Json
  } catch {
    $Cmdlet.ThrowTerminatingError((New-RemoteSupportErrorRecord -Code 'GatewayUnreachable' -Category InvalidData `
      -Message ('The gateway configuration ' + $path + ' is not readable JSON (' + $_.Exception.Message + '). ' + $howTo)))
  }
  $checks = @(
    @{ name = 'endpoint'; pattern = '^https://[^/\s]+/?$'; allowed = 'https://HOST:PORT' },
    @{ name = 'cluster'; pattern = '^\S+$'; allowed = 'the name of a cluster the gateway serves' },
    @{ name = 'certificateSha256'; pattern = '^[0-9A-Fa-f]{64}$'; allowed = 'the SHA-256 of the gateway''s certificate: 64 hex digits' },
    @{ name = 'credentialPath'; pattern = '\S'; allowed = 'the path of the machine credential file' }
  )
  foreach ($check in $checks) {
    $value = $null
    if ($config -and $config.PSObject.Properties[$check.name]) { $value = [string] $config.($check.name) }
    if (-not $value -or $value -notmatch $check.pattern) {
      $Cmdlet.ThrowTerminatingError((New-RemoteSupportErrorRecord -Code 'GatewayUnreachable' -Category InvalidData `
        -Field $check.name -Allowed $check.allowed `
        -Message ('The gateway configuration ' + $path + ' has no valid ' + $check.name + ': it must be ' + $check.allowed + '. ' + $howTo)))
    }
  }
  $clusters = @()
  if ($config.PSObject.Properties['clusters']) { $clusters = @($config.clusters | ForEach-Object { [string] $_ }) }
  @{
    path              = $path
    endpoint          = ([string] $config.endpoint).TrimEnd('/')
    cluster           = [string] $config.cluster
    clusters          = $clusters
    certificateSha256 = ([string] $config.certificateSha256).ToLowerInvariant()
    credentialPath    = [string] $config.credentialPath
  }
}

function Read-RemoteSupportCredential {
  param([Parameter(Mandatory)] $Cmdlet, [Parameter(Mandatory)] $Config)
  $path = $Config.credentialPath
  try {
    $secret = [System.IO.File]::ReadAllText($path).Trim()
  } catch {
    $reason = $_.Exception.Message
    if ($_.Exception.InnerException) { $reason = $_.Exception.InnerException.Message }
    $Cmdlet.ThrowTerminatingError((New-RemoteSupportErrorRecord -Code 'Unauthenticated' -Category PermissionDenied -Field 'credentialPath' `
      -Message ('Cannot read the machine credential ' + $path + ' (' + $reason + '). Only Administrators (root elsewhere) can read it: run PowerShell as an administrator.')))
  }
  if (-not $secret) {
    $Cmdlet.ThrowTerminatingError((New-RemoteSupportErrorRecord -Code 'Unauthenticated' -Category AuthenticationError -Field 'credentialPath' `
      -Message ('The machine credential file ' + $path + ' is empty.')))
  }
  $secret
}

# Who is calling, as the gateway records it (grantedBy, endedBy, startedBy).
function Get-RemoteSupportCaller {
  if ($script:IsWindowsHost) { return [System.Security.Principal.WindowsIdentity]::GetCurrent().Name }
  [Environment]::MachineName + '\' + [Environment]::UserName
}

#endregion

#region HTTP

function Initialize-RemoteSupportPinType {
  if ('AzStackHCI.RemoteSupport.CertificatePin' -as [type]) { return }
  $source = [System.IO.File]::ReadAllText((Join-Path $PSScriptRoot 'CertificatePin.cs'))
  if ($script:IsCore) {
    Add-Type -TypeDefinition $source -Language CSharp
  } else {
    Add-Type -AssemblyName System.Net.Http
    Add-Type -TypeDefinition $source -Language CSharp -ReferencedAssemblies 'System.Net.Http'
  }
}

function Get-RemoteSupportClient {
  param([Parameter(Mandatory)] $Config)
  $key = $Config.endpoint + '|' + $Config.certificateSha256
  if (-not $script:Clients.ContainsKey($key)) {
    Initialize-RemoteSupportPinType
    $pin = New-Object AzStackHCI.RemoteSupport.CertificatePin -ArgumentList $Config.certificateSha256
    $client = New-Object System.Net.Http.HttpClient -ArgumentList $pin.CreateHandler($script:IsCore), $true
    $client.Timeout = [TimeSpan]::FromSeconds($script:RequestTimeoutSeconds)
    $script:Clients[$key] = @{ client = $client; pin = $pin }
  }
  $script:Clients[$key]
}

function ConvertTo-RemoteSupportQuery {
  param([System.Collections.IDictionary] $Query)
  if (-not $Query -or $Query.Count -eq 0) { return '' }
  $parts = foreach ($name in $Query.Keys) {
    $value = $Query[$name]
    if ($null -eq $value) { continue }
    if ($value -is [bool]) { $value = $value.ToString().ToLowerInvariant() }
    [Uri]::EscapeDataString($name) + '=' + [Uri]::EscapeDataString([string] $value)
  }
  if (-not $parts) { return '' }
  '?' + (@($parts) -join '&')
}

# Parses the API's JSON into PSCustomObjects, keeping ISO time strings as strings: PowerShell 7's
# ConvertFrom-Json would turn them into DateTime, so there the text is read with Newtonsoft's
# DateParseHandling.None; Windows PowerShell's ConvertFrom-Json leaves them as strings.
function ConvertFrom-RemoteSupportJson {
  param([Parameter(Mandatory)] [string] $Text)
  if (-not $script:IsCore) { return ($Text | ConvertFrom-Json) }
  $reader = New-Object Newtonsoft.Json.JsonTextReader -ArgumentList (New-Object System.IO.StringReader -ArgumentList $Text)
  $reader.DateParseHandling = [Newtonsoft.Json.DateParseHandling]::None
  $reader.FloatParseHandling = [Newtonsoft.Json.FloatParseHandling]::Double
  ConvertFrom-RemoteSupportJToken ([Newtonsoft.Json.Linq.JToken]::ReadFrom($reader))
}

function ConvertFrom-RemoteSupportJToken {
  param($Token)
  # JObject is a dictionary to PowerShell, so its members are read through their getters.
  switch ($Token.get_Type().ToString()) {
    'Object' {
      $properties = [ordered]@{}
      foreach ($property in $Token.Properties()) { $properties[$property.get_Name()] = ConvertFrom-RemoteSupportJToken $property.get_Value() }
      return [pscustomobject] $properties
    }
    'Array' {
      $items = New-Object System.Collections.Generic.List[object]
      foreach ($item in $Token) { $items.Add((ConvertFrom-RemoteSupportJToken $item)) }
      return , $items.ToArray()
    }
    'Null' { return $null }
    default { return $Token.get_Value() }
  }
}

# Adds the PSTypeName AzStackHCI.RemoteSupport.<Kind> to an answer and to the objects nested in it.
function Add-RemoteSupportTypeName {
  param($InputObject, [Parameter(Mandatory)] [string] $Kind)
  if ($null -eq $InputObject) { return }
  foreach ($item in @($InputObject)) {
    if ($null -eq $item -or $item -isnot [psobject]) { continue }
    $item.PSObject.TypeNames.Insert(0, 'AzStackHCI.RemoteSupport.' + $Kind)
    if ($script:NestedKinds.ContainsKey($Kind)) {
      foreach ($name in $script:NestedKinds[$Kind].Keys) {
        if ($item.PSObject.Properties[$name]) { $null = Add-RemoteSupportTypeName $item.$name $script:NestedKinds[$Kind][$name] }
      }
    }
  }
  , $InputObject
}

function Get-RemoteSupportInnermost {
  param([System.Exception] $Exception)
  $all = @()
  $e = $Exception
  while ($e) { $all += $e; $e = $e.InnerException }
  $all
}

# Calls one admin API operation. -Path is relative to the cluster's feature prefix unless -GatewayPath.
# Returns the parsed JSON, or with -Raw the body's bytes. Every failure ends the calling cmdlet with a
# catalog-coded ErrorRecord.
function Invoke-RemoteSupportApi {
  param(
    [Parameter(Mandatory)] $Cmdlet,
    [Parameter(Mandatory)] [string] $Method,
    [Parameter(Mandatory)] [string] $Path,
    [string] $Cluster,
    [System.Collections.IDictionary] $Query,
    $Body,
    [switch] $GatewayPath,
    [switch] $Raw,
    $Config
  )
  if (-not $Config) { $Config = Read-RemoteSupportConfig -Cmdlet $Cmdlet }
  if (-not $Cluster) { $Cluster = $Config.cluster }
  $secret = Read-RemoteSupportCredential -Cmdlet $Cmdlet -Config $Config
  $entry = Get-RemoteSupportClient -Config $Config

  if ($GatewayPath) { $url = $Config.endpoint + $Path } else {
    $url = $Config.endpoint + '/api/nodes/' + [Uri]::EscapeDataString($Cluster) + '/' + $script:FeatureSegment + $Path
  }
  $url += ConvertTo-RemoteSupportQuery $Query

  $request = New-Object System.Net.Http.HttpRequestMessage -ArgumentList (New-Object System.Net.Http.HttpMethod -ArgumentList $Method), $url
  $null = $request.Headers.TryAddWithoutValidation('Authorization', 'Bearer ' + $secret)
  # Percent-encoded UTF-8: a header carries ASCII only, and Windows names need not be (accented letters, Cyrillic).
  $null = $request.Headers.TryAddWithoutValidation('X-RemoteSupport-Caller', [Uri]::EscapeDataString((Get-RemoteSupportCaller)))
  $null = $request.Headers.TryAddWithoutValidation('Accept', 'application/json, text/plain')
  if ($null -ne $Body) {
    $json = ConvertTo-Json -InputObject $Body -Depth 8 -Compress
    $request.Content = New-Object System.Net.Http.StringContent -ArgumentList $json, ([System.Text.Encoding]::UTF8), 'application/json'
  }

  try {
    $response = $entry.client.SendAsync($request).GetAwaiter().GetResult()
  } catch {
    $chain = Get-RemoteSupportInnermost $_.Exception
    $pin = $entry.pin
    $tls = $chain | Where-Object { $_ -is [System.Security.Authentication.AuthenticationException] }
    if ($tls -and $pin.LastSeen -and $pin.LastSeen -ne $pin.Expected) {
      $Cmdlet.ThrowTerminatingError((New-RemoteSupportErrorRecord -Code 'GatewayUnreachable' -Category SecurityError -Field 'certificateSha256' `
        -Allowed 'the SHA-256 of the gateway''s certificate' -InnerException $_.Exception `
        -Message ('Refused the gateway at ' + $Config.endpoint + ': its certificate has SHA-256 ' + $pin.LastSeen + ', but ' + $Config.path + ' pins ' + $pin.Expected + '. If the gateway''s certificate was replaced, run Set-AzStackHCIRemoteSupportGateway with the new hash; otherwise something else answers on that address.')))
    }
    $timedOut = $chain | Where-Object { $_ -is [System.Threading.Tasks.TaskCanceledException] -or $_ -is [System.TimeoutException] }
    if ($timedOut) {
      $reason = 'it did not answer within ' + $script:RequestTimeoutSeconds + ' seconds'
    } else {
      $reason = (@($chain)[-1]).Message
    }
    $Cmdlet.ThrowTerminatingError((New-RemoteSupportErrorRecord -Code 'GatewayUnreachable' -Category ConnectionError -InnerException $_.Exception `
      -Message ('Cannot reach the remote support gateway at ' + $Config.endpoint + ': ' + $reason + '. Check that the gateway service runs and that ' + $Config.path + ' names its address.')))
  } finally {
    $request.Dispose()
  }

  try {
    $bytes = $response.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult()
    $status = [int] $response.StatusCode
    $contentType = ''
    if ($response.Content.Headers.ContentType) { $contentType = [string] $response.Content.Headers.ContentType.MediaType }
  } finally {
    $response.Dispose()
  }
  $text = [System.Text.Encoding]::UTF8.GetString($bytes)

  if ($status -ge 200 -and $status -lt 300) {
    if ($Raw) { return , $bytes }
    if (-not $text) { return $null }
    return (ConvertFrom-RemoteSupportJson -Text $text)
  }

  $wire = $null
  if ($contentType -eq 'application/json') {
    try { $wire = (ConvertFrom-RemoteSupportJson -Text $text).error } catch { $wire = $null }
  }
  if (-not $wire -or -not $wire.PSObject.Properties['code']) {
    $shown = $text
    if ($shown.Length -gt 200) { $shown = $shown.Substring(0, 200) }
    $Cmdlet.ThrowTerminatingError((New-RemoteSupportErrorRecord -Code 'Internal' -Category (Get-RemoteSupportErrorCategory $status) `
      -Message ('The gateway answered HTTP ' + $status + ' without a catalog error: ' + $shown)))
  }
  $field = $null; $allowed = $null
  if ($wire.PSObject.Properties['field']) { $field = [string] $wire.field }
  if ($wire.PSObject.Properties['allowed']) { $allowed = [string] $wire.allowed }
  $action = $null
  if ($status -eq 401) { $action = 'Check that ' + $Config.credentialPath + ' holds the current machine credential of the gateway at ' + $Config.endpoint + '.' }
  $Cmdlet.ThrowTerminatingError((New-RemoteSupportErrorRecord -Code ([string] $wire.code) -Message ([string] $wire.message) -Field $field -Allowed $allowed `
    -Category (Get-RemoteSupportErrorCategory $status) -RecommendedAction $action))
}

# Shows an agent operation's per-node progress until it finishes, and returns its final state.
function Wait-RemoteSupportOperation {
  param([Parameter(Mandatory)] $Cmdlet, [Parameter(Mandatory)] $Operation, [string] $Cluster, $Config)
  $verb = 'Installing'
  if ($Operation.kind -eq 'remove') { $verb = 'Removing' }
  $activity = $verb + ' the remote support agent on ' + $Operation.cluster
  $path = '/agent/operations/' + [Uri]::EscapeDataString([string] $Operation.id)
  while ($true) {
    $done = 0; $total = 0
    $nodes = @($Operation.nodes)
    for ($i = 0; $i -lt $nodes.Count; $i++) {
      $node = $nodes[$i]
      $done += [int] $node.stepsDone; $total += [int] $node.stepsTotal
      $percent = 0
      if ([int] $node.stepsTotal -gt 0) { $percent = [int] (100 * [int] $node.stepsDone / [int] $node.stepsTotal) }
      $status = [string] $node.status
      if ($node.step) { $status = $status + ': ' + $node.step }
      $status = $status + ' (' + $node.stepsDone + ' of ' + $node.stepsTotal + ' steps)'
      Write-Progress -Id ($i + 2) -ParentId 1 -Activity ([string] $node.node) -Status $status -PercentComplete ([Math]::Min(100, $percent))
    }
    $overall = 0
    if ($total -gt 0) { $overall = [int] (100 * $done / $total) }
    Write-Progress -Id 1 -Activity $activity -Status ([string] $Operation.status) -PercentComplete ([Math]::Min(100, $overall))
    if ($Operation.status -ne 'running') { break }
    Start-Sleep -Milliseconds $script:PollMilliseconds
    $Operation = (Invoke-RemoteSupportApi -Cmdlet $Cmdlet -Method GET -Path $path -Cluster $Cluster -Config $Config).operation
  }
  for ($i = 0; $i -lt @($Operation.nodes).Count; $i++) { Write-Progress -Id ($i + 2) -ParentId 1 -Activity 'done' -Completed }
  Write-Progress -Id 1 -Activity $activity -Completed
  foreach ($node in @($Operation.nodes)) {
    if ($node.status -eq 'failed') { Write-Warning ($node.node + ': ' + $node.error) }
  }
  $Operation
}

function Format-RemoteSupportDate {
  param([DateTime] $Date)
  $Date.ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ss.fffZ', [System.Globalization.CultureInfo]::InvariantCulture)
}

#endregion

#region Cmdlets

function Get-AzStackHCIRemoteSupportStatus {
  <#
  .SYNOPSIS
    Shows the cluster's remote support state: nodes and agent, the active grant, live sessions.
  .DESCRIPTION
    Asks the remote support gateway for the cluster's status: every node and its agent, the grant
    that gives access now (if any), the support sessions that are live, and the latest agent install
    or removal.
  .PARAMETER Cluster
    The cluster to ask about. Defaults to the cluster in the gateway configuration.
  .EXAMPLE
    Get-AzStackHCIRemoteSupportStatus

    Shows whether support can connect right now: look at activeGrant and liveSessions.
  .EXAMPLE
    (Get-AzStackHCIRemoteSupportStatus).nodes | Format-Table name, online, @{ n = 'agent'; e = { $_.agent.state } }

    Lists the nodes and whether the agent is installed on each.
  #>
  [CmdletBinding()]
  [OutputType('AzStackHCI.RemoteSupport.ClusterStatus')]
  param([string] $Cluster)
  $status = Invoke-RemoteSupportApi -Cmdlet $PSCmdlet -Method GET -Path '/status' -Cluster $Cluster
  Add-RemoteSupportTypeName $status 'ClusterStatus'
}

function Test-AzStackHCIRemoteSupportPrerequisite {
  <#
  .SYNOPSIS
    Checks what remote support needs on the cluster before you grant access.
  .DESCRIPTION
    Runs the gateway's prerequisite checks (the KDS root key, the Az.StackHCI module and the JEA
    endpoints on every node, the proxy allowlist) and returns whether the cluster is ready, with each
    check, its detail and how to fix it.
  .PARAMETER Cluster
    The cluster to check. Defaults to the cluster in the gateway configuration.
  .EXAMPLE
    Test-AzStackHCIRemoteSupportPrerequisite

    Returns ready = True when every check passed.
  .EXAMPLE
    (Test-AzStackHCIRemoteSupportPrerequisite).checks | Where-Object status -ne 'passed'

    Shows only the checks that need attention, with their remedy.
  #>
  [CmdletBinding()]
  [OutputType('AzStackHCI.RemoteSupport.Prerequisites')]
  param([string] $Cluster)
  $result = Invoke-RemoteSupportApi -Cmdlet $PSCmdlet -Method GET -Path '/prerequisites' -Cluster $Cluster
  Add-RemoteSupportTypeName $result 'Prerequisites'
}

function Get-AzStackHCIRemoteSupportTerms {
  <#
  .SYNOPSIS
    Shows the remote support terms you agree to with -AgreeToRemoteSupportConsent.
  .DESCRIPTION
    Returns the terms and conditions for remote access and their version (the SHA-256 of the text).
    The gateway records that version with every grant.
  .PARAMETER Cluster
    The cluster whose terms to show. Defaults to the cluster in the gateway configuration.
  .EXAMPLE
    (Get-AzStackHCIRemoteSupportTerms).text

    Prints the terms to read before granting access.
  #>
  [CmdletBinding()]
  [OutputType('AzStackHCI.RemoteSupport.Terms')]
  param([string] $Cluster)
  $terms = Invoke-RemoteSupportApi -Cmdlet $PSCmdlet -Method GET -Path '/terms' -Cluster $Cluster
  Add-RemoteSupportTypeName $terms 'Terms'
}

function Get-AzStackHCIRemoteSupportCommand {
  <#
  .SYNOPSIS
    Lists the commands support may run at each access level.
  .DESCRIPTION
    Returns one object per access level with the commands that level allows, each with the reason it
    is allowed and the module that provides it. DiagnosticsRepair includes every Diagnostics command.
  .PARAMETER AccessLevel
    Only this level: Diagnostics or DiagnosticsRepair.
  .PARAMETER Cluster
    The cluster to ask. Defaults to the cluster in the gateway configuration.
  .EXAMPLE
    Get-AzStackHCIRemoteSupportCommand -AccessLevel Diagnostics | Select-Object -ExpandProperty commands

    Lists the diagnostic commands, such as Get-ClusterNode and Get-VirtualDisk, that support may run
    with a Diagnostics grant.
  #>
  [CmdletBinding()]
  [OutputType('AzStackHCI.RemoteSupport.LevelCommands')]
  param(
    [ValidateSet('Diagnostics', 'DiagnosticsRepair')] [string] $AccessLevel,
    [string] $Cluster
  )
  $query = @{}
  if ($AccessLevel) { $query['accessLevel'] = $script:AccessLevels | Where-Object { $_ -eq $AccessLevel } }
  $result = Invoke-RemoteSupportApi -Cmdlet $PSCmdlet -Method GET -Path '/commands' -Cluster $Cluster -Query $query
  foreach ($level in @($result.levels)) { Add-RemoteSupportTypeName $level 'LevelCommands' }
}

function Install-AzStackHCIRemoteSupport {
  <#
  .SYNOPSIS
    Installs the remote support agent (the JEA endpoints) on the cluster's nodes.
  .DESCRIPTION
    Starts the agent install through the gateway and shows each node's progress until it finishes.
    The agent is one JEA session configuration per access level and a transcript folder only
    Administrators and SYSTEM can read. Access can be granted once every node has the agent.
  .PARAMETER Node
    Install on these nodes only. Defaults to every node of the cluster.
  .PARAMETER NoWait
    Return the operation as soon as it starts; follow it with Get-AzStackHCIRemoteSupportOperation.
  .PARAMETER Cluster
    The cluster to install on. Defaults to the cluster in the gateway configuration.
  .EXAMPLE
    Install-AzStackHCIRemoteSupport

    Installs the agent on every node, showing progress per node, and returns the finished operation.
  .EXAMPLE
    $operation = Install-AzStackHCIRemoteSupport -Node hci-n03 -NoWait
    Get-AzStackHCIRemoteSupportOperation -OperationId $operation.id

    Starts the install on one node (say, a node added to the cluster) and checks on it later.
  #>
  [CmdletBinding()]
  [OutputType('AzStackHCI.RemoteSupport.AgentOperation')]
  param(
    [string[]] $Node,
    [switch] $NoWait,
    [string] $Cluster
  )
  Invoke-RemoteSupportAgentOperation -Cmdlet $PSCmdlet -Kind 'install' -Node $Node -NoWait:$NoWait -Cluster $Cluster
}

function Remove-AzStackHCIRemoteSupport {
  <#
  .SYNOPSIS
    Removes the remote support agent from the cluster's nodes.
  .DESCRIPTION
    Unregisters the JEA endpoints on each node, showing progress per node. The gateway refuses while a
    grant is active (ActiveGrantBlocksRemoval): revoke it first with Disable-AzStackHCIRemoteSupport.
    Asks for confirmation; pass -Confirm:$false in scripts.
  .PARAMETER Node
    Remove from these nodes only. Defaults to every node of the cluster.
  .PARAMETER NoWait
    Return the operation as soon as it starts.
  .PARAMETER Cluster
    The cluster to remove from. Defaults to the cluster in the gateway configuration.
  .EXAMPLE
    Remove-AzStackHCIRemoteSupport

    Uninstalls the agent from every node after you confirm.
  .EXAMPLE
    Remove-AzStackHCIRemoteSupport -WhatIf

    Shows what would be removed, and changes nothing.
  #>
  [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
  [OutputType('AzStackHCI.RemoteSupport.AgentOperation')]
  param(
    [string[]] $Node,
    [switch] $NoWait,
    [string] $Cluster
  )
  $config = Read-RemoteSupportConfig -Cmdlet $PSCmdlet
  $name = $Cluster
  if (-not $name) { $name = $config.cluster }
  $target = $name
  if ($Node) { $target = $name + ' (nodes ' + ($Node -join ', ') + ')' }
  if (-not $PSCmdlet.ShouldProcess($target, 'Remove the remote support agent')) { return }
  Invoke-RemoteSupportAgentOperation -Cmdlet $PSCmdlet -Kind 'remove' -Node $Node -NoWait:$NoWait -Cluster $name -Config $config
}

function Invoke-RemoteSupportAgentOperation {
  param([Parameter(Mandatory)] $Cmdlet, [Parameter(Mandatory)] [string] $Kind, [string[]] $Node, [switch] $NoWait, [string] $Cluster, $Config)
  if (-not $Config) { $Config = Read-RemoteSupportConfig -Cmdlet $Cmdlet }
  $body = @{}
  if ($Node) { $body['nodes'] = @($Node) }
  $started = (Invoke-RemoteSupportApi -Cmdlet $Cmdlet -Method POST -Path ('/agent/' + $Kind) -Cluster $Cluster -Body $body -Config $Config).operation
  if ($NoWait) { return (Add-RemoteSupportTypeName $started 'AgentOperation') }
  $final = Wait-RemoteSupportOperation -Cmdlet $Cmdlet -Operation $started -Cluster $Cluster -Config $Config
  Add-RemoteSupportTypeName $final 'AgentOperation'
}

function Get-AzStackHCIRemoteSupportOperation {
  <#
  .SYNOPSIS
    Shows one agent install or removal, with each node's progress.
  .PARAMETER OperationId
    The operation's id, as Install-AzStackHCIRemoteSupport -NoWait returns it.
  .PARAMETER Cluster
    The cluster the operation ran on. Defaults to the cluster in the gateway configuration.
  .EXAMPLE
    Get-AzStackHCIRemoteSupportOperation -OperationId 6f1c0a52-8f0e-4a43-9f53-0d7f2f3f8a11

    Shows whether the install is still running and which step each node is on.
  #>
  [CmdletBinding()]
  [OutputType('AzStackHCI.RemoteSupport.AgentOperation')]
  param(
    [Parameter(Mandatory, ValueFromPipelineByPropertyName)] [Alias('id')] [string] $OperationId,
    [string] $Cluster
  )
  process {
    $result = Invoke-RemoteSupportApi -Cmdlet $PSCmdlet -Method GET -Path ('/agent/operations/' + [Uri]::EscapeDataString($OperationId)) -Cluster $Cluster
    Add-RemoteSupportTypeName $result.operation 'AgentOperation'
  }
}

function Enable-AzStackHCIRemoteSupport {
  <#
  .SYNOPSIS
    Grants Microsoft support just-in-time access to the cluster.
  .DESCRIPTION
    Gives consent for a support engineer to run the commands of one access level on the cluster's
    nodes, for a limited time. Access needs your explicit agreement to the terms
    (Get-AzStackHCIRemoteSupportTerms): -AgreeToRemoteSupportConsent. A new grant replaces the active
    one. Access ends by itself when the time is up, or at once with Disable-AzStackHCIRemoteSupport.
  .PARAMETER AccessLevel
    Diagnostics (view diagnostic information and logs) or DiagnosticsRepair (also repair software).
  .PARAMETER ExpireInMinutes
    How long access lasts: 60 (one hour) to 20160 (14 days). 480 (eight hours) when left out.
  .PARAMETER SasCredential
    The shared access signature support gave you, for a cluster not registered with Azure.
  .PARAMETER AgreeToRemoteSupportConsent
    Your agreement to the remote support terms. Access is never granted without it.
  .PARAMETER SupportCaseNumber
    The support case the access is for; an engineer must name it to connect.
  .PARAMETER TermsVersion
    The version of the terms you read and agree to: the version property of
    Get-AzStackHCIRemoteSupportTerms (the SHA-256 of the text, 64 lowercase hex digits). The gateway
    grants nothing (TermsVersionMismatch) when the terms changed since. Left out, you agree to the
    terms current when the grant is made.
  .PARAMETER Cluster
    The cluster to grant access to. Defaults to the cluster in the gateway configuration.
  .EXAMPLE
    Enable-AzStackHCIRemoteSupport -AccessLevel Diagnostics -ExpireInMinutes 1440 -AgreeToRemoteSupportConsent

    Lets support run diagnostic commands only, for one day (1,440 minutes). After that no remote
    session can be established.
  .EXAMPLE
    Enable-AzStackHCIRemoteSupport -AccessLevel DiagnosticsRepair -AgreeToRemoteSupportConsent -SupportCaseNumber 2212010040001234

    Lets support diagnose and repair for the default eight hours, for one support case.
  .EXAMPLE
    Enable-AzStackHCIRemoteSupport -AccessLevel Diagnostics -AgreeToRemoteSupportConsent -SasCredential $sasFromSupport

    Grants access on a cluster not yet registered with Azure, with the SAS token support provided.
  .EXAMPLE
    $terms = Get-AzStackHCIRemoteSupportTerms; $terms.text
    Enable-AzStackHCIRemoteSupport -AccessLevel Diagnostics -AgreeToRemoteSupportConsent -TermsVersion $terms.version

    Grants access under exactly the terms you read: if they changed in between, the grant is refused
    with TermsVersionMismatch and nothing is granted.
  #>
  [CmdletBinding()]
  [OutputType('AzStackHCI.RemoteSupport.GrantResult')]
  param(
    [Parameter(Mandatory)] [ValidateSet('Diagnostics', 'DiagnosticsRepair')] [string] $AccessLevel,
    [ValidateRange(60, 20160)] [int] $ExpireInMinutes = 480,
    [string] $SasCredential,
    [Parameter(Mandatory)] [switch] $AgreeToRemoteSupportConsent,
    [string] $SupportCaseNumber,
    # The gateway's terms version: a lowercase hex SHA-256. Options None: case-sensitive, and \z refuses a trailing newline.
    [ValidatePattern('\A[0-9a-f]{64}\z', Options = 'None')] [string] $TermsVersion,
    [string] $Cluster
  )
  # -AgreeToRemoteSupportConsent:$false binds, so the agreement is checked here too, before any call.
  if (-not $AgreeToRemoteSupportConsent.IsPresent) {
    $PSCmdlet.ThrowTerminatingError((New-RemoteSupportErrorRecord -Code 'ConsentRequired' -Category InvalidArgument `
      -Field 'agreeToRemoteSupportConsent' -Allowed 'true' `
      -Message 'agreeToRemoteSupportConsent must be true: access is granted only with an explicit agreement to the remote support terms (read them with Get-AzStackHCIRemoteSupportTerms), so pass -AgreeToRemoteSupportConsent.'))
  }
  $body = @{
    # ValidateSet ignores case; the API takes the exact names.
    accessLevel                 = $script:AccessLevels | Where-Object { $_ -eq $AccessLevel }
    expireInMinutes             = $ExpireInMinutes
    agreeToRemoteSupportConsent = $true
  }
  if ($PSBoundParameters.ContainsKey('SupportCaseNumber')) { $body['supportCaseNumber'] = $SupportCaseNumber }
  if ($PSBoundParameters.ContainsKey('SasCredential')) { $body['sasCredential'] = $SasCredential }
  # Left out, the gateway takes the current terms (as before -TermsVersion existed).
  if ($PSBoundParameters.ContainsKey('TermsVersion')) { $body['termsVersion'] = $TermsVersion }
  $result = Invoke-RemoteSupportApi -Cmdlet $PSCmdlet -Method POST -Path '/access' -Cluster $Cluster -Body $body
  Add-RemoteSupportTypeName $result 'GrantResult'
}

function Disable-AzStackHCIRemoteSupport {
  <#
  .SYNOPSIS
    Revokes remote support access and ends every live support session.
  .DESCRIPTION
    Revokes the active grant. Every live session is ended before the command returns, and no new
    session can be established. Asks for confirmation; pass -Confirm:$false in scripts.
  .PARAMETER Cluster
    The cluster to revoke access to. Defaults to the cluster in the gateway configuration.
  .EXAMPLE
    Disable-AzStackHCIRemoteSupport

    Revokes consent after you confirm; the result tells how many sessions were ended.
  .EXAMPLE
    Disable-AzStackHCIRemoteSupport -Confirm:$false

    Revokes without asking, for scripts.
  #>
  [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
  [OutputType('AzStackHCI.RemoteSupport.RevokeResult')]
  param([string] $Cluster)
  $config = Read-RemoteSupportConfig -Cmdlet $PSCmdlet
  $name = $Cluster
  if (-not $name) { $name = $config.cluster }
  if (-not $PSCmdlet.ShouldProcess($name, 'Revoke remote support access and end every live session')) { return }
  $result = Invoke-RemoteSupportApi -Cmdlet $PSCmdlet -Method DELETE -Path '/access' -Cluster $name -Config $config
  Add-RemoteSupportTypeName $result 'RevokeResult'
}

function Get-AzStackHCIRemoteSupportAccess {
  <#
  .SYNOPSIS
    Shows the current remote support grant, and with -IncludeExpired the grants of the last 30 days.
  .PARAMETER IncludeExpired
    Also list grants that ended (revoked, replaced or expired) in the last 30 days.
  .PARAMETER PageSize
    Return one page of the list instead of every grant: one object as the API gives it (grants, nextCursor,
    total). From 1 to 500.
  .PARAMETER Cursor
    With -PageSize: the nextCursor of the page before; leave it out for the first page.
  .PARAMETER Cluster
    The cluster to ask about. Defaults to the cluster in the gateway configuration.
  .EXAMPLE
    Get-AzStackHCIRemoteSupportAccess

    Shows the active grant, if any: its level, when it expires and who granted it.
  .EXAMPLE
    Get-AzStackHCIRemoteSupportAccess -IncludeExpired

    Lists every consent given in the last 30 days, including the ones that expired or were revoked.
  #>
  [CmdletBinding(DefaultParameterSetName = 'All')]
  [OutputType('AzStackHCI.RemoteSupport.Grant', 'AzStackHCI.RemoteSupport.AccessPage')]
  param(
    [switch] $IncludeExpired,
    [Parameter(Mandatory, ParameterSetName = 'Page')] [ValidateRange(1, 500)] [int] $PageSize,
    [Parameter(ParameterSetName = 'Page')] [string] $Cursor,
    [string] $Cluster
  )
  $query = @{}
  if ($IncludeExpired) { $query['includeExpired'] = $true }
  if ($PSCmdlet.ParameterSetName -eq 'Page') {
    $page = Get-RemoteSupportListPage -Cmdlet $PSCmdlet -Path '/access' -Cluster $Cluster -Query $query -PageSize $PageSize -Cursor $Cursor
    return (Add-RemoteSupportTypeName $page 'AccessPage')
  }
  Get-RemoteSupportListItem -Cmdlet $PSCmdlet -Path '/access' -ItemName 'grants' -Cluster $Cluster -Query $query |
    ForEach-Object { Add-RemoteSupportTypeName $_ 'Grant' }
}

function Get-AzStackHCIRemoteSupportSessionHistory {
  <#
  .SYNOPSIS
    Lists the remote support sessions, or shows one with its transcript.
  .DESCRIPTION
    Without -SessionId: every session since -FromDate (the last 7 days when left out). With -SessionId:
    that session; add -IncludeSessionTranscript for every command support ran and its output.
    Transcripts are kept for 90 days.
  .PARAMETER FromDate
    List sessions that started on or after this time (read as local time unless it says otherwise).
  .PARAMETER SessionId
    One session's id.
  .PARAMETER IncludeSessionTranscript
    With -SessionId: include the session's whole transcript. Without it: each listed session's.
  .PARAMETER PageSize
    Return one page of the list instead of every session: one object as the API gives it (fromDate,
    sessions, nextCursor, total). From 1 to 500.
  .PARAMETER Cursor
    With -PageSize: the nextCursor of the page before; leave it out for the first page.
  .PARAMETER Cluster
    The cluster to ask about. Defaults to the cluster in the gateway configuration.
  .EXAMPLE
    Get-AzStackHCIRemoteSupportSessionHistory -FromDate (Get-Date).AddDays(-30)

    Lists every session support opened on the cluster in the last 30 days.
  .EXAMPLE
    Get-AzStackHCIRemoteSupportSessionHistory -SessionId 0b6f6c2e-3f5d-4f43-a5f4-6a1f3c2b9d10 -IncludeSessionTranscript

    Shows one session with its transcript: each command, where it ran and what it returned.
  #>
  [CmdletBinding(DefaultParameterSetName = 'History')]
  [OutputType('AzStackHCI.RemoteSupport.Session', 'AzStackHCI.RemoteSupport.SessionDetail')]
  param(
    [Parameter(ParameterSetName = 'History')] [Parameter(ParameterSetName = 'Page')] [DateTime] $FromDate,
    [Parameter(Mandatory, ParameterSetName = 'Session')] [string] $SessionId,
    [Parameter(ParameterSetName = 'History')] [Parameter(ParameterSetName = 'Session')] [switch] $IncludeSessionTranscript,
    [Parameter(Mandatory, ParameterSetName = 'Page')] [ValidateRange(1, 500)] [int] $PageSize,
    [Parameter(ParameterSetName = 'Page')] [string] $Cursor,
    [string] $Cluster
  )
  $config = Read-RemoteSupportConfig -Cmdlet $PSCmdlet
  if ($PSCmdlet.ParameterSetName -eq 'Session') {
    if ($IncludeSessionTranscript) { return (Get-RemoteSupportSessionDetail -Cmdlet $PSCmdlet -SessionId $SessionId -Cluster $Cluster -Config $config) }
    $detail = Invoke-RemoteSupportApi -Cmdlet $PSCmdlet -Method GET -Path ('/sessions/' + [Uri]::EscapeDataString($SessionId)) -Cluster $Cluster -Config $config
    return (Add-RemoteSupportTypeName $detail.session 'Session')
  }
  $query = @{}
  if ($PSBoundParameters.ContainsKey('FromDate')) { $query['fromDate'] = Format-RemoteSupportDate $FromDate }
  if ($PSCmdlet.ParameterSetName -eq 'Page') {
    $page = Get-RemoteSupportListPage -Cmdlet $PSCmdlet -Path '/sessions' -Cluster $Cluster -Query $query -PageSize $PageSize -Cursor $Cursor -Config $config
    return (Add-RemoteSupportTypeName $page 'SessionHistoryPage')
  }
  Get-RemoteSupportListItem -Cmdlet $PSCmdlet -Path '/sessions' -ItemName 'sessions' -Cluster $Cluster -Query $query -Config $config |
    ForEach-Object {
      if ($IncludeSessionTranscript) {
        Get-RemoteSupportSessionDetail -Cmdlet $PSCmdlet -SessionId ([string] $_.id) -Cluster $Cluster -Config $config
      } else {
        Add-RemoteSupportTypeName $_ 'Session'
      }
    }
}

# Every item of a paged list (session or consent history, search hits), newest first: the pages are read one
# after another, following nextCursor, and each item goes down the pipeline as its page arrives. With -Max
# above 0 it stops after that many items, and asks no page for more than it still needs.
function Get-RemoteSupportListItem {
  param(
    [Parameter(Mandatory)] $Cmdlet,
    [Parameter(Mandatory)] [string] $Path,
    [Parameter(Mandatory)] [string] $ItemName,
    [string] $Cluster,
    [System.Collections.IDictionary] $Query,
    [int] $Max = 0,
    $Config
  )
  if (-not $Config) { $Config = Read-RemoteSupportConfig -Cmdlet $Cmdlet }
  $cursor = $null
  $sent = 0
  do {
    $size = $script:ListPageSize
    if ($Max -gt 0 -and ($Max - $sent) -lt $size) { $size = $Max - $sent }
    $page = Get-RemoteSupportListPage -Cmdlet $Cmdlet -Path $Path -Cluster $Cluster -Query $Query -PageSize $size -Cursor $cursor -Config $Config
    foreach ($item in @($page.$ItemName)) {
      if ($Max -gt 0 -and $sent -ge $Max) { break }
      $item
      $sent++
    }
    # A gateway from before paging sends no nextCursor: its one answer is the whole list.
    $cursor = $page.nextCursor
  } while ($cursor -and ($Max -le 0 -or $sent -lt $Max))
}

# One page of a paged list, as the API answers: the items, nextCursor (null on the last page) and total.
function Get-RemoteSupportListPage {
  param(
    [Parameter(Mandatory)] $Cmdlet,
    [Parameter(Mandatory)] [string] $Path,
    [string] $Cluster,
    [System.Collections.IDictionary] $Query,
    [Parameter(Mandatory)] [int] $PageSize,
    [string] $Cursor,
    $Config
  )
  $pageQuery = [ordered]@{}
  if ($Query) { foreach ($key in $Query.Keys) { $pageQuery[$key] = $Query[$key] } }
  $pageQuery['limit'] = $PageSize
  if ($Cursor) { $pageQuery['cursor'] = $Cursor }
  Invoke-RemoteSupportApi -Cmdlet $Cmdlet -Method GET -Path $Path -Cluster $Cluster -Query $pageQuery -Config $Config
}

# One session with its whole transcript, read page by page: {session, transcript: {offset: 0, limit: total, total, entries}}.
function Get-RemoteSupportSessionDetail {
  param([Parameter(Mandatory)] $Cmdlet, [Parameter(Mandatory)] [string] $SessionId, [string] $Cluster, $Config)
  $path = '/sessions/' + [Uri]::EscapeDataString($SessionId)
  $entries = New-Object System.Collections.Generic.List[object]
  $session = $null
  $total = 0
  do {
    $query = [ordered]@{ includeTranscript = $true; offset = $entries.Count; limit = $script:TranscriptPageSize }
    $page = Invoke-RemoteSupportApi -Cmdlet $Cmdlet -Method GET -Path $path -Cluster $Cluster -Query $query -Config $Config
    if (-not $session) { $session = $page.session }
    $total = [int] $page.transcript.total
    $got = @($page.transcript.entries)
    foreach ($entry in $got) { $entries.Add($entry) }
    # A transcript only grows; stop at the total first seen, or when a page comes back empty.
  } while ($entries.Count -lt $total -and $got.Count -gt 0)
  $transcript = [pscustomobject] [ordered]@{ offset = 0; limit = $entries.Count; total = $entries.Count; entries = $entries.ToArray() }
  $detail = [pscustomobject] [ordered]@{ session = $session; transcript = $transcript }
  Add-RemoteSupportTypeName $detail 'SessionDetail'
}

function Stop-AzStackHCIRemoteSupportSession {
  <#
  .SYNOPSIS
    Ends one live support session now.
  .DESCRIPTION
    Ends the session (its engineer is disconnected; the end is recorded in the transcript). The grant
    stays: the engineer may connect again while it lasts. To end every session and the access itself,
    use Disable-AzStackHCIRemoteSupport. Asks for confirmation; pass -Confirm:$false in scripts.
  .PARAMETER SessionId
    The live session's id (Get-AzStackHCIRemoteSupportStatus lists live sessions).
  .PARAMETER Cluster
    The cluster the session runs on. Defaults to the cluster in the gateway configuration.
  .EXAMPLE
    (Get-AzStackHCIRemoteSupportStatus).liveSessions | Stop-AzStackHCIRemoteSupportSession

    Ends every live session after confirming each, leaving the grant in place.
  #>
  [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
  [OutputType('AzStackHCI.RemoteSupport.SessionResult')]
  param(
    [Parameter(Mandatory, ValueFromPipelineByPropertyName)] [Alias('id')] [string] $SessionId,
    [string] $Cluster
  )
  process {
    if (-not $PSCmdlet.ShouldProcess('session ' + $SessionId, 'End the remote support session')) { return }
    $result = Invoke-RemoteSupportApi -Cmdlet $PSCmdlet -Method POST -Path ('/sessions/' + [Uri]::EscapeDataString($SessionId) + '/end') -Cluster $Cluster
    Add-RemoteSupportTypeName $result 'SessionResult'
  }
}

function Test-AzStackHCIRemoteSupportTranscript {
  <#
  .SYNOPSIS
    Checks that a session's transcript is whole and unaltered.
  .DESCRIPTION
    Verifies the session's hash chain and its sealed records: valid is True when no entry was changed,
    removed or added after the fact. problems says what is wrong otherwise.
  .PARAMETER SessionId
    The session's id.
  .PARAMETER Cluster
    The cluster the session ran on. Defaults to the cluster in the gateway configuration.
  .EXAMPLE
    Get-AzStackHCIRemoteSupportSessionHistory | Test-AzStackHCIRemoteSupportTranscript

    Checks the transcript of every session of the last 7 days.
  #>
  [CmdletBinding()]
  [OutputType('AzStackHCI.RemoteSupport.ChainCheck')]
  param(
    [Parameter(Mandatory, ValueFromPipelineByPropertyName)] [Alias('id')] [string] $SessionId,
    [string] $Cluster
  )
  process {
    $result = Invoke-RemoteSupportApi -Cmdlet $PSCmdlet -Method GET -Path ('/sessions/' + [Uri]::EscapeDataString($SessionId) + '/verify') -Cluster $Cluster
    Add-RemoteSupportTypeName $result.verification 'ChainCheck'
  }
}

function Export-AzStackHCIRemoteSupportTranscript {
  <#
  .SYNOPSIS
    Exports a session's whole transcript with its integrity check.
  .DESCRIPTION
    Returns the export as text, or writes it to -Path and returns the file. The JSON format
    (remote-support-transcript/1) holds the session, the verification and every entry; the text
    format is for reading.
  .PARAMETER SessionId
    The session's id.
  .PARAMETER Format
    json (the default) or text.
  .PARAMETER Path
    Write the export to this file instead of returning it.
  .PARAMETER Cluster
    The cluster the session ran on. Defaults to the cluster in the gateway configuration.
  .EXAMPLE
    Export-AzStackHCIRemoteSupportTranscript -SessionId 0b6f6c2e-3f5d-4f43-a5f4-6a1f3c2b9d10 -Path .\session.json

    Saves the transcript to attach to the support case or keep beyond the 90-day retention.
  .EXAMPLE
    Export-AzStackHCIRemoteSupportTranscript -SessionId 0b6f6c2e-3f5d-4f43-a5f4-6a1f3c2b9d10 -Format text

    Prints the transcript for reading.
  #>
  [CmdletBinding()]
  [OutputType([string], [System.IO.FileInfo])]
  param(
    [Parameter(Mandatory, ValueFromPipelineByPropertyName)] [Alias('id')] [string] $SessionId,
    [ValidateSet('json', 'text')] [string] $Format = 'json',
    [string] $Path,
    [string] $Cluster
  )
  process {
    $query = @{ format = $Format.ToLowerInvariant() }
    $bytes = Invoke-RemoteSupportApi -Cmdlet $PSCmdlet -Method GET -Path ('/sessions/' + [Uri]::EscapeDataString($SessionId) + '/export') -Cluster $Cluster -Query $query -Raw
    if (-not $Path) { return [System.Text.Encoding]::UTF8.GetString($bytes) }
    $file = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($Path)
    [System.IO.File]::WriteAllBytes($file, $bytes)
    Get-Item -LiteralPath $file
  }
}

function Search-AzStackHCIRemoteSupportTranscript {
  <#
  .SYNOPSIS
    Searches the text of every transcript, newest first.
  .DESCRIPTION
    Sends every hit down the pipeline, newest first. The gateway answers a page of hits at a time; the
    cmdlet reads the pages one after another, following nextCursor, and each hit goes down the pipeline as
    its page arrives. Each page has the gateway's time budget (2 s): a page past it stops the search with
    SearchTooBroad; narrow it with more words or a later -FromDate.
  .PARAMETER Query
    Words to find (1 to 200 characters); the hits show them in [brackets].
  .PARAMETER FromDate
    Search sessions from this time on.
  .PARAMETER Limit
    Stop after this many of the newest hits. Every hit when left out.
  .PARAMETER PageSize
    Return one page of hits instead of every hit: one object as the API gives it (query, hits,
    nextCursor). From 1 to 500.
  .PARAMETER Cursor
    With -PageSize: the nextCursor of the page before; leave it out for the first page.
  .PARAMETER Cluster
    The cluster to search. Defaults to the cluster in the gateway configuration.
  .EXAMPLE
    Search-AzStackHCIRemoteSupportTranscript -Query 'Restart-Service'

    Finds every time support restarted a service, with the session and the node.
  .EXAMPLE
    Search-AzStackHCIRemoteSupportTranscript -Query 'Remove-Item' -Limit 20

    The 20 newest times support removed a file.
  .EXAMPLE
    $page = Search-AzStackHCIRemoteSupportTranscript -Query 'Get-EventLog' -PageSize 100
    Search-AzStackHCIRemoteSupportTranscript -Query 'Get-EventLog' -PageSize 100 -Cursor $page.nextCursor

    Reads the hits a page at a time, as the extension does.
  #>
  [CmdletBinding(DefaultParameterSetName = 'All')]
  [OutputType('AzStackHCI.RemoteSupport.SearchHit', 'AzStackHCI.RemoteSupport.SearchPage')]
  param(
    [Parameter(Mandatory)] [string] $Query,
    [DateTime] $FromDate,
    [Parameter(ParameterSetName = 'All')] [ValidateRange(1, 2147483647)] [int] $Limit,
    [Parameter(Mandatory, ParameterSetName = 'Page')] [ValidateRange(1, 500)] [int] $PageSize,
    [Parameter(ParameterSetName = 'Page')] [string] $Cursor,
    [string] $Cluster
  )
  $parameters = [ordered]@{ q = $Query }
  if ($PSBoundParameters.ContainsKey('FromDate')) { $parameters['fromDate'] = Format-RemoteSupportDate $FromDate }
  if ($PSCmdlet.ParameterSetName -eq 'Page') {
    $page = Get-RemoteSupportListPage -Cmdlet $PSCmdlet -Path '/transcripts/search' -Cluster $Cluster -Query $parameters -PageSize $PageSize -Cursor $Cursor
    return (Add-RemoteSupportTypeName $page 'SearchPage')
  }
  $max = 0
  if ($PSBoundParameters.ContainsKey('Limit')) { $max = $Limit }
  Get-RemoteSupportListItem -Cmdlet $PSCmdlet -Path '/transcripts/search' -ItemName 'hits' -Cluster $Cluster -Query $parameters -Max $max |
    ForEach-Object { Add-RemoteSupportTypeName $_ 'SearchHit' }
}

function Set-AzStackHCIRemoteSupportGateway {
  <#
  .SYNOPSIS
    Tells the module where the remote support gateway is and how to trust it.
  .DESCRIPTION
    Writes the gateway configuration the other cmdlets read: $env:AZSHCI_REMOTESUPPORT_CONFIG when set,
    else %ProgramData%\AzStackHCI.RemoteSupport\gateway.json on Windows and
    /etc/azstackhci-remotesupport/gateway.json elsewhere. The agent install writes it on every node;
    run this yourself only to point the module at another gateway.
  .PARAMETER Endpoint
    The gateway's address, https://HOST:PORT.
  .PARAMETER CertificateSha256
    The SHA-256 of the gateway's TLS certificate (64 hex digits; colons are allowed). The module trusts
    that certificate and no other.
  .PARAMETER CredentialPath
    The machine credential file (only Administrators can read it).
  .PARAMETER Cluster
    The cluster the cmdlets act on by default. When left out, the module asks the gateway.
  .EXAMPLE
    Set-AzStackHCIRemoteSupportGateway -Endpoint https://wac01.contoso.local:6600 -CertificateSha256 3f2a...c9 -CredentialPath 'C:\ProgramData\AzStackHCI.RemoteSupport\machine-credential' -Cluster hci-cl01.contoso.local

    Points the module at a gateway that runs on the Windows Admin Center machine.
  #>
  [CmdletBinding(SupportsShouldProcess)]
  [OutputType('AzStackHCI.RemoteSupport.GatewayConfiguration')]
  param(
    [Parameter(Mandatory)] [ValidatePattern('^https://[^/\s]+/?$')] [string] $Endpoint,
    [Parameter(Mandatory)] [ValidatePattern('^([0-9A-Fa-f]{2}:?){31}[0-9A-Fa-f]{2}$')] [string] $CertificateSha256,
    [Parameter(Mandatory)] [string] $CredentialPath,
    [string] $Cluster
  )
  $path = Get-RemoteSupportConfigPath
  $config = [ordered]@{
    endpoint          = $Endpoint.TrimEnd('/')
    cluster           = $Cluster
    clusters          = @()
    certificateSha256 = $CertificateSha256.Replace(':', '').ToLowerInvariant()
    credentialPath    = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($CredentialPath)
  }
  if ($Cluster) {
    $config.clusters = @($Cluster)
  } else {
    # Ask the gateway which clusters it serves; this also proves the endpoint, pin and credential work.
    $probe = @{ path = $path; endpoint = $config.endpoint; cluster = '-'; clusters = @(); certificateSha256 = $config.certificateSha256; credentialPath = $config.credentialPath }
    $info = Invoke-RemoteSupportApi -Cmdlet $PSCmdlet -Method GET -Path '/api/gateway-info' -GatewayPath -Config $probe
    $config.cluster = [string] $info.cluster
    $config.clusters = @($info.clusters | ForEach-Object { [string] $_ })
  }
  if (-not $PSCmdlet.ShouldProcess($path, 'Write the remote support gateway configuration')) { return }
  $folder = Split-Path -Parent $path
  if ($folder -and -not (Test-Path -LiteralPath $folder)) { $null = New-Item -ItemType Directory -Path $folder -Force }
  $json = ConvertTo-Json -InputObject $config -Depth 4
  [System.IO.File]::WriteAllText($path, $json, (New-Object System.Text.UTF8Encoding -ArgumentList $false))
  $result = [pscustomobject] $config
  Add-RemoteSupportTypeName $result 'GatewayConfiguration'
}

function Get-AzStackHCIRemoteSupportAccessRequest {
  <#
  .SYNOPSIS
    Lists the support engineers' access requests, or shows one with its conversation and answer.
  .DESCRIPTION
    Engineers ask for access (or for more time) from the support console, with a reason. Without
    -RequestId: every request of the last 90 days, newest first; with -Open only those still waiting
    for an answer (or for an approved later start). Answer them with
    Approve-AzStackHCIRemoteSupportAccessRequest or Deny-AzStackHCIRemoteSupportAccessRequest.
  .PARAMETER Open
    Only the requests still waiting for an answer or a start.
  .PARAMETER RequestId
    One request's id.
  .PARAMETER Cluster
    The cluster to ask about. Defaults to the cluster in the gateway configuration.
  .EXAMPLE
    Get-AzStackHCIRemoteSupportAccessRequest -Open

    Lists the requests waiting for your answer: who asks, for which case, level and time, and why.
  .EXAMPLE
    Get-AzStackHCIRemoteSupportAccessRequest -RequestId 7c1e2d3a-4b5c-4d6e-8f70-1a2b3c4d5e6f | Select-Object -ExpandProperty messages

    Shows the questions you asked about one request and the engineer's answers.
  #>
  [CmdletBinding(DefaultParameterSetName = 'List')]
  [OutputType('AzStackHCI.RemoteSupport.AccessRequest')]
  param(
    [Parameter(ParameterSetName = 'List')] [switch] $Open,
    [Parameter(Mandatory, ParameterSetName = 'One')] [string] $RequestId,
    [string] $Cluster
  )
  if ($PSCmdlet.ParameterSetName -eq 'One') {
    $one = Invoke-RemoteSupportApi -Cmdlet $PSCmdlet -Method GET -Path ('/requests/' + [Uri]::EscapeDataString($RequestId)) -Cluster $Cluster
    return (Add-RemoteSupportTypeName $one.request 'AccessRequest')
  }
  $query = @{}
  if ($Open) { $query['open'] = $true }
  Get-RemoteSupportListItem -Cmdlet $PSCmdlet -Path '/requests' -ItemName 'requests' -Cluster $Cluster -Query $query |
    ForEach-Object { Add-RemoteSupportTypeName $_ 'AccessRequest' }
}

function Approve-AzStackHCIRemoteSupportAccessRequest {
  <#
  .SYNOPSIS
    Approves a support engineer's access request, granting access as Enable-AzStackHCIRemoteSupport does.
  .DESCRIPTION
    Grants what the engineer asked for, or less: a lower -AccessLevel, a shorter -ExpireInMinutes, or
    a later -StartAt (up to 7 days ahead; the grant is then made at that time in your name). More than
    was asked is refused with ApprovalExceedsRequest. Like Enable, it needs your explicit agreement to
    the terms: -AgreeToRemoteSupportConsent.
  .PARAMETER RequestId
    The request to approve.
  .PARAMETER AgreeToRemoteSupportConsent
    Your agreement to the remote support terms. Access is never granted without it.
  .PARAMETER AccessLevel
    A lower level than asked. The level asked when left out.
  .PARAMETER ExpireInMinutes
    A shorter time than asked, in minutes. The time asked when left out.
  .PARAMETER StartAt
    Start access later (read as local time unless it says otherwise), at most 7 days ahead.
  .PARAMETER SasCredential
    The shared access signature, for a cluster not registered with Azure (not with -StartAt).
  .PARAMETER TermsVersion
    The version of the terms you read and agree to (Get-AzStackHCIRemoteSupportTerms).
  .PARAMETER Cluster
    The cluster. Defaults to the cluster in the gateway configuration.
  .EXAMPLE
    Approve-AzStackHCIRemoteSupportAccessRequest -RequestId 7c1e2d3a-4b5c-4d6e-8f70-1a2b3c4d5e6f -AgreeToRemoteSupportConsent

    Grants the engineer what they asked for, starting now.
  .EXAMPLE
    Approve-AzStackHCIRemoteSupportAccessRequest -RequestId 7c1e2d3a-4b5c-4d6e-8f70-1a2b3c4d5e6f -AccessLevel Diagnostics -ExpireInMinutes 120 -StartAt (Get-Date).Date.AddDays(1).AddHours(8) -AgreeToRemoteSupportConsent

    Grants read-only access for two hours, from 08:00 tomorrow, although the engineer asked for more.
  #>
  [CmdletBinding()]
  [OutputType('AzStackHCI.RemoteSupport.ApprovalResult')]
  param(
    [Parameter(Mandatory)] [string] $RequestId,
    [Parameter(Mandatory)] [switch] $AgreeToRemoteSupportConsent,
    [ValidateSet('Diagnostics', 'DiagnosticsRepair')] [string] $AccessLevel,
    [ValidateRange(15, 20160)] [int] $ExpireInMinutes,
    [DateTime] $StartAt,
    [string] $SasCredential,
    [ValidatePattern('\A[0-9a-f]{64}\z', Options = 'None')] [string] $TermsVersion,
    [string] $Cluster
  )
  if (-not $AgreeToRemoteSupportConsent.IsPresent) {
    $PSCmdlet.ThrowTerminatingError((New-RemoteSupportErrorRecord -Code 'ConsentRequired' -Category InvalidArgument `
      -Field 'agreeToRemoteSupportConsent' -Allowed 'true' `
      -Message 'agreeToRemoteSupportConsent must be true: approving grants access, which needs an explicit agreement to the remote support terms, so pass -AgreeToRemoteSupportConsent.'))
  }
  $body = @{ agreeToRemoteSupportConsent = $true }
  if ($PSBoundParameters.ContainsKey('AccessLevel')) { $body['accessLevel'] = $script:AccessLevels | Where-Object { $_ -eq $AccessLevel } }
  if ($PSBoundParameters.ContainsKey('ExpireInMinutes')) { $body['expireInMinutes'] = $ExpireInMinutes }
  if ($PSBoundParameters.ContainsKey('StartAt')) { $body['startAt'] = Format-RemoteSupportDate $StartAt }
  if ($PSBoundParameters.ContainsKey('SasCredential')) { $body['sasCredential'] = $SasCredential }
  if ($PSBoundParameters.ContainsKey('TermsVersion')) { $body['termsVersion'] = $TermsVersion }
  $result = Invoke-RemoteSupportApi -Cmdlet $PSCmdlet -Method POST -Path ('/requests/' + [Uri]::EscapeDataString($RequestId) + '/approve') -Cluster $Cluster -Body $body
  Add-RemoteSupportTypeName $result 'ApprovalResult'
}

function Deny-AzStackHCIRemoteSupportAccessRequest {
  <#
  .SYNOPSIS
    Denies a support engineer's access request, saying why.
  .PARAMETER RequestId
    The request to deny.
  .PARAMETER Reason
    Why; the engineer reads it (1 to 1,000 characters).
  .PARAMETER Cluster
    The cluster. Defaults to the cluster in the gateway configuration.
  .EXAMPLE
    Deny-AzStackHCIRemoteSupportAccessRequest -RequestId 7c1e2d3a-4b5c-4d6e-8f70-1a2b3c4d5e6f -Reason 'Not during the quarter close; ask again on Monday.'

    Refuses the request; the engineer's console prints the reason.
  #>
  [CmdletBinding()]
  [OutputType('AzStackHCI.RemoteSupport.AccessRequest')]
  param(
    [Parameter(Mandatory)] [string] $RequestId,
    [Parameter(Mandatory)] [string] $Reason,
    [string] $Cluster
  )
  $result = Invoke-RemoteSupportApi -Cmdlet $PSCmdlet -Method POST -Path ('/requests/' + [Uri]::EscapeDataString($RequestId) + '/deny') -Cluster $Cluster -Body @{ reason = $Reason }
  Add-RemoteSupportTypeName $result.request 'AccessRequest'
}

function Send-AzStackHCIRemoteSupportAccessRequestQuestion {
  <#
  .SYNOPSIS
    Asks the engineer a question about their access request before you answer it.
  .PARAMETER RequestId
    The request.
  .PARAMETER Question
    What you want to know (1 to 1,000 characters).
  .PARAMETER Cluster
    The cluster. Defaults to the cluster in the gateway configuration.
  .EXAMPLE
    Send-AzStackHCIRemoteSupportAccessRequestQuestion -RequestId 7c1e2d3a-4b5c-4d6e-8f70-1a2b3c4d5e6f -Question 'Which node, and why a repair?'

    The request waits for the engineer's answer, which Get-AzStackHCIRemoteSupportAccessRequest then shows.
  #>
  [CmdletBinding()]
  [OutputType('AzStackHCI.RemoteSupport.AccessRequest')]
  param(
    [Parameter(Mandatory)] [string] $RequestId,
    [Parameter(Mandatory)] [string] $Question,
    [string] $Cluster
  )
  $result = Invoke-RemoteSupportApi -Cmdlet $PSCmdlet -Method POST -Path ('/requests/' + [Uri]::EscapeDataString($RequestId) + '/ask') -Cluster $Cluster -Body @{ question = $Question }
  Add-RemoteSupportTypeName $result.request 'AccessRequest'
}

function Get-AzStackHCIRemoteSupportRepairApproval {
  <#
  .SYNOPSIS
    Lists the repair commands waiting for your live yes.
  .DESCRIPTION
    With repair approval on (the default for DiagnosticsRepair grants), every repair command an engineer
    sends waits until you approve or refuse it, or until it times out as refused. Each waiting repair
    shows the engineer, the node, the command as data and the engineer's reason.
  .PARAMETER Cluster
    The cluster to ask about. Defaults to the cluster in the gateway configuration.
  .EXAMPLE
    Get-AzStackHCIRemoteSupportRepairApproval

    Lists the repairs waiting for your answer, oldest first.
  .EXAMPLE
    Get-AzStackHCIRemoteSupportRepairApproval | Where-Object cmdlet -eq 'Restart-Service' | Approve-AzStackHCIRemoteSupportRepair

    Approves every waiting service restart.
  #>
  [CmdletBinding()]
  [OutputType('AzStackHCI.RemoteSupport.RepairApproval')]
  param([string] $Cluster)
  $list = Invoke-RemoteSupportApi -Cmdlet $PSCmdlet -Method GET -Path '/approvals' -Cluster $Cluster
  foreach ($approval in @($list.approvals)) { Add-RemoteSupportTypeName $approval 'RepairApproval' }
}

function Approve-AzStackHCIRemoteSupportRepair {
  <#
  .SYNOPSIS
    Lets a waiting repair command run.
  .DESCRIPTION
    The gateway checks the grant and the deny list again, then runs the command; the transcript records
    that you approved it, and when.
  .PARAMETER ApprovalId
    The waiting repair's id (the id property of Get-AzStackHCIRemoteSupportRepairApproval).
  .PARAMETER Reason
    A note kept with your answer in the transcript.
  .PARAMETER Cluster
    The cluster. Defaults to the cluster in the gateway configuration.
  .EXAMPLE
    Approve-AzStackHCIRemoteSupportRepair -ApprovalId 5b9e2c1d-7a3f-4e8b-9c0d-1e2f3a4b5c6d

    Lets the engineer's waiting repair run.
  #>
  [CmdletBinding()]
  [OutputType('AzStackHCI.RemoteSupport.RepairApproval')]
  param(
    [Parameter(Mandatory, ValueFromPipelineByPropertyName)] [Alias('id')] [string] $ApprovalId,
    [string] $Reason,
    [string] $Cluster
  )
  process {
    $body = @{ decision = 'approve' }
    if ($PSBoundParameters.ContainsKey('Reason')) { $body['reason'] = $Reason }
    $result = Invoke-RemoteSupportApi -Cmdlet $PSCmdlet -Method POST -Path ('/approvals/' + [Uri]::EscapeDataString($ApprovalId)) -Cluster $Cluster -Body $body
    Add-RemoteSupportTypeName $result.approval 'RepairApproval'
  }
}

function Deny-AzStackHCIRemoteSupportRepair {
  <#
  .SYNOPSIS
    Refuses a waiting repair command, saying why.
  .PARAMETER ApprovalId
    The waiting repair's id.
  .PARAMETER Reason
    Why; the engineer reads it and the transcript keeps it.
  .PARAMETER Cluster
    The cluster. Defaults to the cluster in the gateway configuration.
  .EXAMPLE
    Deny-AzStackHCIRemoteSupportRepair -ApprovalId 5b9e2c1d-7a3f-4e8b-9c0d-1e2f3a4b5c6d -Reason 'Not on the node that hosts SQL'

    Refuses the repair; the engineer's console shows the reason.
  #>
  [CmdletBinding()]
  [OutputType('AzStackHCI.RemoteSupport.RepairApproval')]
  param(
    [Parameter(Mandatory, ValueFromPipelineByPropertyName)] [Alias('id')] [string] $ApprovalId,
    [Parameter(Mandatory)] [string] $Reason,
    [string] $Cluster
  )
  process {
    $result = Invoke-RemoteSupportApi -Cmdlet $PSCmdlet -Method POST -Path ('/approvals/' + [Uri]::EscapeDataString($ApprovalId)) -Cluster $Cluster -Body @{ decision = 'refuse'; reason = $Reason }
    Add-RemoteSupportTypeName $result.approval 'RepairApproval'
  }
}

function Get-AzStackHCIRemoteSupportDenyList {
  <#
  .SYNOPSIS
    Shows the deny list: commands refused before they run or ask, whatever the grant allows.
  .PARAMETER Cluster
    The cluster. Defaults to the cluster in the gateway configuration.
  .EXAMPLE
    (Get-AzStackHCIRemoteSupportDenyList).rules

    Lists the rules, each with the command, the parameter values and nodes it covers, and why.
  #>
  [CmdletBinding()]
  [OutputType('AzStackHCI.RemoteSupport.DenyList')]
  param([string] $Cluster)
  $list = Invoke-RemoteSupportApi -Cmdlet $PSCmdlet -Method GET -Path '/deny-list' -Cluster $Cluster
  Add-RemoteSupportTypeName $list 'DenyList'
}

function Set-AzStackHCIRemoteSupportDenyList {
  <#
  .SYNOPSIS
    Replaces the deny list.
  .DESCRIPTION
    Each rule names a cmdlet of the command table and the reason, and may narrow it to parameter values,
    nodes, or the nodes that own given cluster roles (hostsRoles). The gateway checks every rule; a bad one
    changes nothing. Every change is recorded with who made it and when.
  .PARAMETER Rule
    The rules: hashtables with cmdlet, reason, and optionally parameters, nodes and hostsRoles. An empty list
    clears the deny list.
  .PARAMETER ExpectedVersion
    The version of the list you read (Get-AzStackHCIRemoteSupportDenyList). When someone saved it since, the
    gateway refuses with DenyListChanged and nothing changes. Left out: the list in force is replaced.
  .PARAMETER Cluster
    The cluster. Defaults to the cluster in the gateway configuration.
  .EXAMPLE
    Set-AzStackHCIRemoteSupportDenyList -Rule @{ cmdlet = 'Restart-Service'; parameters = @{ Name = 'ClusSvc' }; hostsRoles = @('SQL01'); reason = 'Never restart the cluster service on the node hosting SQL01' }

    Refuses restarting the cluster service on whichever node owns the SQL01 role.
  #>
  [CmdletBinding(SupportsShouldProcess)]
  [OutputType('AzStackHCI.RemoteSupport.DenyList')]
  param(
    [Parameter(Mandatory)] [AllowEmptyCollection()] [System.Collections.IDictionary[]] $Rule,
    [ValidateRange(0, [int]::MaxValue)] [int] $ExpectedVersion,
    [string] $Cluster
  )
  if (-not $PSCmdlet.ShouldProcess('deny list', 'Replace the remote support deny list')) { return }
  $body = @{ rules = @($Rule) }
  if ($PSBoundParameters.ContainsKey('ExpectedVersion')) { $body['expectedVersion'] = $ExpectedVersion }
  $list = Invoke-RemoteSupportApi -Cmdlet $PSCmdlet -Method PUT -Path '/deny-list' -Cluster $Cluster -Body $body
  Add-RemoteSupportTypeName $list 'DenyList'
}

function Get-AzStackHCIRemoteSupportRecordRead {
  <#
  .SYNOPSIS
    Lists who read the record: every transcript viewed, exported or verified, and every search, with who and when.
  .DESCRIPTION
    The audit of the audit. Without -SessionId: every read of the cluster's record in the last 90 days,
    newest first; with -SessionId, the reads of that session's transcript. Rows changed without the record
    key show intact as false.
  .PARAMETER SessionId
    Only the reads of this session's transcript.
  .PARAMETER PageSize
    Return one page instead of every read: one object as the API gives it (reads, nextCursor, total). From 1 to 500.
  .PARAMETER Cursor
    With -PageSize: the nextCursor of the page before; leave it out for the first page.
  .PARAMETER Cluster
    The cluster to ask about. Defaults to the cluster in the gateway configuration.
  .EXAMPLE
    Get-AzStackHCIRemoteSupportRecordRead -SessionId 7c1e2d3a-4b5c-4d6e-8f70-1a2b3c4d5e6f

    Shows who opened, exported or verified that session's transcript, and when.
  #>
  [CmdletBinding(DefaultParameterSetName = 'All')]
  [OutputType('AzStackHCI.RemoteSupport.RecordRead', 'AzStackHCI.RemoteSupport.RecordReadPage')]
  param(
    [string] $SessionId,
    [Parameter(Mandatory, ParameterSetName = 'Page')] [ValidateRange(1, 500)] [int] $PageSize,
    [Parameter(ParameterSetName = 'Page')] [string] $Cursor,
    [string] $Cluster
  )
  $query = @{}
  if ($PSBoundParameters.ContainsKey('SessionId')) { $query['sessionId'] = $SessionId }
  if ($PSCmdlet.ParameterSetName -eq 'Page') {
    $page = Get-RemoteSupportListPage -Cmdlet $PSCmdlet -Path '/audit/reads' -Cluster $Cluster -Query $query -PageSize $PageSize -Cursor $Cursor
    return (Add-RemoteSupportTypeName $page 'RecordReadPage')
  }
  Get-RemoteSupportListItem -Cmdlet $PSCmdlet -Path '/audit/reads' -ItemName 'reads' -Cluster $Cluster -Query $query |
    ForEach-Object { Add-RemoteSupportTypeName $_ 'RecordRead' }
}

#endregion

Export-ModuleMember -Function @(
  'Get-AzStackHCIRemoteSupportStatus', 'Test-AzStackHCIRemoteSupportPrerequisite', 'Get-AzStackHCIRemoteSupportTerms',
  'Get-AzStackHCIRemoteSupportCommand', 'Install-AzStackHCIRemoteSupport', 'Remove-AzStackHCIRemoteSupport',
  'Get-AzStackHCIRemoteSupportOperation', 'Enable-AzStackHCIRemoteSupport', 'Disable-AzStackHCIRemoteSupport',
  'Get-AzStackHCIRemoteSupportAccess', 'Get-AzStackHCIRemoteSupportSessionHistory', 'Stop-AzStackHCIRemoteSupportSession',
  'Test-AzStackHCIRemoteSupportTranscript', 'Export-AzStackHCIRemoteSupportTranscript', 'Search-AzStackHCIRemoteSupportTranscript',
  'Set-AzStackHCIRemoteSupportGateway', 'Get-AzStackHCIRemoteSupportAccessRequest', 'Approve-AzStackHCIRemoteSupportAccessRequest',
  'Deny-AzStackHCIRemoteSupportAccessRequest', 'Send-AzStackHCIRemoteSupportAccessRequestQuestion',
  'Get-AzStackHCIRemoteSupportRepairApproval', 'Approve-AzStackHCIRemoteSupportRepair', 'Deny-AzStackHCIRemoteSupportRepair',
  'Get-AzStackHCIRemoteSupportDenyList', 'Set-AzStackHCIRemoteSupportDenyList', 'Get-AzStackHCIRemoteSupportRecordRead'
)
