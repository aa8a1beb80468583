<#
  TEST ONLY. The stand-in for WinRM at the gateway's transport seam: the same functions as
  gateway/RemoteSupport.WinRM.psm1, reaching "nodes" that are folders on this machine.

  What is real here: the session configuration a node registered is turned into a runspace by
  PowerShell's own JEA code (InitialSessionState.CreateFromSessionConfigurationFile), so role
  definitions, role capabilities found through PSModulePath, ModulesToImport, VisibleCmdlets /
  VisibleFunctions, ValidateSet / ValidatePattern and NoLanguage mode all behave as they do in
  JEA. What is not: WinRM itself, authentication, the virtual account and JEA's transcripts.

  Environment:
    RS_LOCAL_NODES_ROOT  a folder with one folder per node (its C: drive); a file named
                         'offline' in it makes the node unreachable; registrations.json holds
                         the session configurations registered on it (name -> .pssc path)
    HCI_TEST_MODULES     the built stand-ins of the HCI modules (Build-HciTestModules.ps1)
    RS_LOCAL_GROUPS      comma-separated groups the gateway's identity is in (default: all)
#>
Set-StrictMode -Version 3.0

function Get-NodeRoot([string] $Node) {
  $root = $env:RS_LOCAL_NODES_ROOT
  if (-not $root) { throw 'RS_LOCAL_NODES_ROOT is not set.' }
  $path = Join-Path $root $Node.ToLowerInvariant()
  if (-not (Test-Path -LiteralPath $path -PathType Container)) {
    throw [System.Management.Automation.Remoting.PSRemotingTransportException]::new("Connecting to remote server $Node failed with the following error message : WinRM cannot process the request because the computer name $Node cannot be resolved.")
  }
  if (Test-Path -LiteralPath (Join-Path $path 'offline')) {
    throw [System.Management.Automation.Remoting.PSRemotingTransportException]::new("Connecting to remote server $Node failed with the following error message : WinRM cannot complete the operation. Verify that the specified computer name is valid, that the computer is accessible over the network, and that a firewall exception for the WinRM service is enabled and allows access from this computer.")
  }
  return $path
}

<# A path on a node (C:\...) as a path on this machine. #>
function ConvertTo-LocalPath([string] $NodeRoot, [string] $WindowsPath) {
  if ($WindowsPath -notmatch '^[Cc]:\\') { throw "Only C:\ paths exist on a local node: $WindowsPath" }
  return Join-Path $NodeRoot ($WindowsPath.Substring(3).Replace('\', [System.IO.Path]::DirectorySeparatorChar))
}

function Get-Registrations([string] $NodeRoot) {
  $file = Join-Path $NodeRoot 'registrations.json'
  if (-not (Test-Path -LiteralPath $file)) { return @{} }
  $table = @{}
  $data = Get-Content -LiteralPath $file -Raw | ConvertFrom-Json
  foreach ($p in $data.PSObject.Properties) { $table[$p.Name] = [string] $p.Value }
  return $table
}

function Open-NodeRunspace {
  param(
    [Parameter(Mandatory)] [string] $Node,
    [Parameter(Mandatory)] [string] $ConfigurationName,
    [Parameter(Mandatory)] [int] $TimeoutMs
  )
  $nodeRoot = Get-NodeRoot $Node
  $registrations = Get-Registrations $nodeRoot
  if (-not $registrations.ContainsKey($ConfigurationName)) {
    throw [System.Management.Automation.Remoting.PSRemotingTransportException]::new("Connecting to remote server $Node failed with the following error message : The WS-Management service cannot process the request. Cannot find the $ConfigurationName session configuration in the WSMan: drive on the $Node computer.")
  }
  $pssc = ConvertTo-LocalPath $nodeRoot $registrations[$ConfigurationName]
  $groups = @()
  if ($env:RS_LOCAL_GROUPS) { $groups = $env:RS_LOCAL_GROUPS.Split(',') }
  $verifier = [Func[string, bool]] { param($group) ($groups.Count -eq 0) -or ($groups -contains $group) }.GetNewClosure()

  # Role capabilities and modules resolve through PSModulePath when the runspace opens, as on the node.
  $saved = $env:PSModulePath
  try {
    $sep = [System.IO.Path]::PathSeparator
    $env:PSModulePath = (Join-Path $nodeRoot 'Program Files/WindowsPowerShell/Modules') + $sep + $env:HCI_TEST_MODULES + $sep + $saved
    $iss = [System.Management.Automation.Runspaces.InitialSessionState]::CreateFromSessionConfigurationFile($pssc, $verifier)
    # The service cmdlets live in Microsoft.PowerShell.Management, which always loads from $PSHOME and
    # lacks them on Linux; their stand-in module is added here and is filtered by JEA like any other.
    $iss.ImportPSModule((Join-Path $env:HCI_TEST_MODULES 'HciTest.Services'))
    $iss.Variables.Add([System.Management.Automation.Runspaces.SessionStateVariableEntry]::new('HciTestNode', $Node.ToLowerInvariant(), 'The node this local runspace stands for'))
    $runspace = [runspacefactory]::CreateRunspace($iss)
    $runspace.Open()
  } finally {
    $env:PSModulePath = $saved
  }
  if ($env:RS_LOCAL_OPEN_LOG) { Add-Content -LiteralPath $env:RS_LOCAL_OPEN_LOG -Value ($Node.ToLowerInvariant() + '|' + $ConfigurationName) }
  return [pscustomobject]@{ Runspace = $runspace; Handle = $runspace; Node = $Node }
}

<#
  A session breaks when its node goes offline, as a WinRM session does when its node goes down.
  RS_LOCAL_OPEN_LOG, when set, names a file that gets one line per session opened (node|endpoint),
  so tests can count how often sessions are opened.
#>
function Test-NodeRunspace {
  param([Parameter(Mandatory)] $Connection)
  if ($Connection.Runspace.RunspaceStateInfo.State -ne [System.Management.Automation.Runspaces.RunspaceState]::Opened) { return $false }
  $root = Join-Path $env:RS_LOCAL_NODES_ROOT $Connection.Node.ToLowerInvariant()
  if (Test-Path -LiteralPath (Join-Path $root 'offline')) {
    $Connection.Runspace.Close()
    return $false
  }
  return $true
}

function Close-NodeRunspace {
  param([Parameter(Mandatory)] $Connection)
  $Connection.Handle.Dispose()
}

function Test-NodeConnection {
  param([Parameter(Mandatory)] [string] $Node)
  $null = Get-NodeRoot $Node
}

<#
  Runs a fixed script block "on the node": in a full-language runspace whose C: drive is the
  node's folder, with the stand-ins of the Windows-only commands the agent scripts use
  (RemoteSupport.LocalNode.psm1). As in remoting, the block travels as text and the
  arguments as data.
#>
function Invoke-OnNode {
  param(
    [Parameter(Mandatory)] [string] $Node,
    [Parameter(Mandatory)] [scriptblock] $ScriptBlock,
    [object[]] $ArgumentList = @(),
    [Parameter(Mandatory)] [int] $TimeoutMs
  )
  $nodeRoot = Get-NodeRoot $Node
  $runspace = [runspacefactory]::CreateRunspace([System.Management.Automation.Runspaces.InitialSessionState]::CreateDefault2())
  $runspace.Open()
  $shell = [PowerShell]::Create()
  # Modules are looked up in the node's own Modules folder, as on the node.
  $saved = $env:PSModulePath
  $env:PSModulePath = (Join-Path $nodeRoot 'Program Files/WindowsPowerShell/Modules') + [System.IO.Path]::PathSeparator + $saved
  try {
    $shell.Runspace = $runspace
    [void] $shell.AddCommand('Import-Module').AddParameter('Name', (Join-Path $PSScriptRoot 'RemoteSupport.LocalNode.psm1')).AddStatement()
    [void] $shell.AddCommand('New-PSDrive').AddParameter('Name', 'C').AddParameter('PSProvider', 'FileSystem').AddParameter('Root', $nodeRoot).AddParameter('Scope', 'Global').AddStatement()
    [void] $shell.AddCommand('Set-Variable').AddParameter('Name', 'LocalNodeRoot').AddParameter('Value', $nodeRoot).AddParameter('Scope', 'Global').AddStatement()
    $shell.Invoke() | Out-Null
    $shell.Commands.Clear()
    [void] $shell.AddScript($ScriptBlock.ToString())
    foreach ($argument in $ArgumentList) { [void] $shell.AddArgument($argument) }
    $output = $shell.Invoke()
    if ($shell.Streams.Error.Count -gt 0 -and $shell.HadErrors) {
      $first = $shell.Streams.Error[0]
      throw $first
    }
    return $output
  } finally {
    $env:PSModulePath = $saved
    $shell.Dispose()
    $runspace.Dispose()
  }
}

function Invoke-OnNodes {
  param(
    [Parameter(Mandatory)] [string[]] $Nodes,
    [Parameter(Mandatory)] [scriptblock] $ScriptBlock,
    [object[]] $ArgumentList = @(),
    [Parameter(Mandatory)] [int] $TimeoutMs
  )
  foreach ($name in $Nodes) {
    try {
      $answer = @(Invoke-OnNode -Node $name -ScriptBlock $ScriptBlock -ArgumentList $ArgumentList -TimeoutMs $TimeoutMs) | Select-Object -First 1
      [pscustomobject]@{ Node = $name; Output = $answer; Error = $null }
    } catch {
      [pscustomobject]@{ Node = $name; Output = $null; Error = "[$name] " + $_.Exception.Message }
    }
  }
}

Export-ModuleMember -Function Open-NodeRunspace, Test-NodeRunspace, Close-NodeRunspace, Test-NodeConnection, Invoke-OnNode, Invoke-OnNodes
