<#
  TEST ONLY. Stand-ins, on a local node (RemoteSupport.LocalTransport.psm1), for the
  Windows-only commands the agent scripts run on a node: the session configuration cmdlets
  (WinRM) and Get-Acl / Set-Acl (Windows ACLs). They keep their state in the node's folder
  ($LocalNodeRoot): registrations.json (name -> .pssc path) and acl.json (path -> SDDL), so the
  tests can read what the scripts did. Az.StackHCI is found by Get-Module -ListAvailable when
  a test puts a module of that name into the node's Modules folder.
#>
Set-StrictMode -Version 3.0

function Read-State([string] $Name) {
  $file = Join-Path $global:LocalNodeRoot $Name
  $table = [ordered]@{}
  if (Test-Path -LiteralPath $file) {
    $data = Get-Content -LiteralPath $file -Raw | ConvertFrom-Json
    foreach ($p in $data.PSObject.Properties) { $table[$p.Name] = $p.Value }
  }
  return $table
}

function Write-State([string] $Name, $Table) {
  ConvertTo-Json -InputObject $Table -Depth 4 | Set-Content -LiteralPath (Join-Path $global:LocalNodeRoot $Name)
}

function Register-PSSessionConfiguration {
  [CmdletBinding()]
  param([Parameter(Mandatory)] [string] $Name, [Parameter(Mandatory)] [string] $Path, [switch] $Force, [switch] $NoServiceRestart)
  if (-not (Test-Path -LiteralPath $Path)) { throw "Cannot find path '$Path' because it does not exist." }
  $null = Import-PowerShellDataFile -LiteralPath $Path
  $state = Read-State 'registrations.json'
  if ($state.Contains($Name) -and -not $Force) { throw "The session configuration $Name is already registered." }
  $state[$Name] = $Path
  Write-State 'registrations.json' $state
  [pscustomobject]@{ Name = $Name }
}

function Unregister-PSSessionConfiguration {
  [CmdletBinding()]
  param([Parameter(Mandatory)] [string] $Name, [switch] $Force, [switch] $NoServiceRestart)
  $state = Read-State 'registrations.json'
  if (-not $state.Contains($Name)) { throw "No session configuration matches criteria `"$Name`"." }
  $state.Remove($Name)
  Write-State 'registrations.json' $state
}

function Get-PSSessionConfiguration {
  [CmdletBinding()]
  param([string] $Name = '*')
  $state = Read-State 'registrations.json'
  $found = @($state.Keys | Where-Object { $_ -like $Name })
  if ($found.Count -eq 0 -and -not [System.Management.Automation.WildcardPattern]::ContainsWildcardCharacters($Name)) {
    Write-Error -Message "No session configuration matches criteria `"$Name`"." -Category ObjectNotFound -ErrorId 'NoSessionConfigurationMatch'
    return
  }
  foreach ($key in $found) { [pscustomobject]@{ Name = $key; ConfigFilePath = $state[$key] } }
}

function Get-Acl {
  [CmdletBinding()]
  param([Parameter(Mandatory)] [string] $LiteralPath)
  if (-not (Test-Path -LiteralPath $LiteralPath)) { throw "Cannot find path '$LiteralPath' because it does not exist." }
  # A new folder inherits its parent's rules; on Windows that includes read access for Users.
  $sddl = 'D:AI(A;OICI;FA;;;BA)(A;OICI;FA;;;SY)(A;OICI;0x1200a9;;;BU)'
  $state = Read-State 'acl.json'
  if ($state.Contains($LiteralPath)) { $sddl = [string] $state[$LiteralPath] }
  $acl = [pscustomobject]@{ Path = $LiteralPath; Sddl = $sddl }
  $acl | Add-Member -MemberType ScriptMethod -Name SetSecurityDescriptorSddlForm -Value { param($Sddl, $Sections) $this.Sddl = [string] $Sddl }
  $acl | Add-Member -MemberType ScriptMethod -Name GetSecurityDescriptorSddlForm -Value { param($Sections) $this.Sddl }
  return $acl
}

function Set-Acl {
  [CmdletBinding()]
  param([Parameter(Mandatory)] [string] $LiteralPath, [Parameter(Mandatory)] $AclObject)
  if (-not (Test-Path -LiteralPath $LiteralPath)) { throw "Cannot find path '$LiteralPath' because it does not exist." }
  $state = Read-State 'acl.json'
  $state[$LiteralPath] = [string] $AclObject.GetSecurityDescriptorSddlForm('Access')
  Write-State 'acl.json' $state
}

Export-ModuleMember -Function Register-PSSessionConfiguration, Unregister-PSSessionConfiguration, Get-PSSessionConfiguration, Get-Acl, Set-Acl
