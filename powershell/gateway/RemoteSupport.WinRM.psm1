<#
  Remote Support for Azure Stack HCI: the transport to the nodes in production, PowerShell
  remoting over WinRM. Every gateway script reaches a node only through these functions, so
  the tests can put a local stand-in (test/RemoteSupport.LocalTransport.psm1) at exactly this
  seam. Both modules export the same functions with the same parameters.
#>
Set-StrictMode -Version 3.0

function New-NodeSessionOption {
  param([Parameter(Mandatory)] [int] $TimeoutMs)
  return New-PSSessionOption -OpenTimeout $TimeoutMs -OperationTimeout $TimeoutMs -NoMachineProfile
}

<#
.SYNOPSIS
  Opens a session to a node's JEA endpoint. Returns @{ Runspace; Handle }: the runspace to run
  commands in, and what Close-NodeRunspace needs.
#>
function Open-NodeRunspace {
  param(
    [Parameter(Mandatory)] [string] $Node,
    [Parameter(Mandatory)] [string] $ConfigurationName,
    [Parameter(Mandatory)] [int] $TimeoutMs
  )
  $session = New-PSSession -ComputerName $Node -ConfigurationName $ConfigurationName -SessionOption (New-NodeSessionOption $TimeoutMs) -ErrorAction Stop
  return [pscustomobject]@{ Runspace = $session.Runspace; Handle = $session }
}

<#
.SYNOPSIS
  Whether an open session can still run commands; a session to a node that went down or restarted WinRM is broken.
#>
function Test-NodeRunspace {
  param([Parameter(Mandatory)] $Connection)
  return $Connection.Runspace.RunspaceStateInfo.State -eq [System.Management.Automation.Runspaces.RunspaceState]::Opened
}

function Close-NodeRunspace {
  param([Parameter(Mandatory)] $Connection)
  Remove-PSSession -Session $Connection.Handle -ErrorAction SilentlyContinue
}

<#
.SYNOPSIS
  Whether the node's WinRM service answers (Test-WSMan); throws with WinRM's reason when not.
#>
function Test-NodeConnection {
  param([Parameter(Mandatory)] [string] $Node)
  $null = Test-WSMan -ComputerName $Node -ErrorAction Stop
}

<#
.SYNOPSIS
  Runs one of the scripts' own fixed script blocks on a node with the caller's rights (the
  default endpoint, for agent install and removal), the arguments passed as data.
#>
function Invoke-OnNode {
  param(
    [Parameter(Mandatory)] [string] $Node,
    [Parameter(Mandatory)] [scriptblock] $ScriptBlock,
    [object[]] $ArgumentList = @(),
    [Parameter(Mandatory)] [int] $TimeoutMs
  )
  Invoke-Command -ComputerName $Node -SessionOption (New-NodeSessionOption $TimeoutMs) -ScriptBlock $ScriptBlock -ArgumentList $ArgumentList -ErrorAction Stop
}

<#
.SYNOPSIS
  Runs a fixed script block on several nodes at once. Returns one @{ Node; Output; Error } per
  node; a node that fails carries its error message and never fails the others.
#>
function Invoke-OnNodes {
  param(
    [Parameter(Mandatory)] [string[]] $Nodes,
    [Parameter(Mandatory)] [scriptblock] $ScriptBlock,
    [object[]] $ArgumentList = @(),
    [Parameter(Mandatory)] [int] $TimeoutMs
  )
  $remoteErrors = @()
  $answers = @(Invoke-Command -ComputerName $Nodes -SessionOption (New-NodeSessionOption $TimeoutMs) -ScriptBlock $ScriptBlock -ArgumentList $ArgumentList -ErrorAction SilentlyContinue -ErrorVariable remoteErrors)
  foreach ($name in $Nodes) {
    $answer = @($answers | Where-Object { [string] $_.PSComputerName -eq $name }) | Select-Object -First 1
    $why = $null
    if ($null -eq $answer) {
      $why = 'it did not answer'
      foreach ($record in @($remoteErrors)) {
        $origin = ''
        if ($null -ne $record.OriginInfo) { $origin = [string] $record.OriginInfo.PSComputerName }
        $text = [string] $record.Exception.Message
        if ($origin -eq $name -or [string] $record.CategoryInfo.TargetName -eq $name -or [string] $record.TargetObject -eq $name -or $text.StartsWith('[' + $name + ']')) {
          $why = $text
          break
        }
      }
    }
    [pscustomobject]@{ Node = $name; Output = $answer; Error = $why }
  }
}

Export-ModuleMember -Function Open-NodeRunspace, Test-NodeRunspace, Close-NodeRunspace, Test-NodeConnection, Invoke-OnNode, Invoke-OnNodes
