# A stand-in for the AzStackHCI.RemoteSupport module with the real one's
# parameter attributes and error conventions (docs/extension.md), so the
# extension's wrapper script (powershell/extension/Invoke-RemoteSupportCommand.ps1)
# can be run under real pwsh in the extension's tests without a gateway.

function New-RemoteSupportError([string] $Code, [string] $Message, [string] $Field, [string] $Allowed, [string] $Cmdlet) {
    $exception = New-Object System.InvalidOperationException $Message
    $exception.Data['RemoteSupportError'] = @{ code = $Code; message = $Message; field = $Field; allowed = $Allowed }
    $record = New-Object System.Management.Automation.ErrorRecord $exception, "$Code,$Cmdlet", 'InvalidArgument', $Field
    $record.ErrorDetails = New-Object System.Management.Automation.ErrorDetails $Message
    $record
}

function Get-AzStackHCIRemoteSupportStatus {
    [CmdletBinding()]
    param([string] $Cluster)
    [pscustomobject]@{
        PSTypeName = 'AzStackHCI.RemoteSupport.Status'
        cluster = $Cluster; registered = $true; now = '2026-11-25T12:00:00.000Z'
        nodes = @([pscustomobject]@{ name = 'hci-n01'; online = $true })
        activeGrant = $null; liveSessions = @(); agentOperation = $null; tamperedGrants = @()
    }
}

function Get-AzStackHCIRemoteSupportAccess {
    [CmdletBinding()]
    param([string] $Cluster, [switch] $IncludeExpired)
    if ($IncludeExpired) {
        [pscustomobject]@{ id = 'g-1'; state = 'expired'; grantedAt = '2026-11-20T08:00:00.000Z' }
        [pscustomobject]@{ id = 'g-2'; state = 'active'; grantedAt = '2026-11-25T08:00:00.000Z' }
    }
}

function Enable-AzStackHCIRemoteSupport {
    [CmdletBinding()]
    param(
        [string] $Cluster,
        [Parameter(Mandatory = $true)][ValidateSet('Diagnostics', 'DiagnosticsRepair')][string] $AccessLevel,
        [ValidateRange(60, 20160)][int] $ExpireInMinutes = 480,
        [string] $SasCredential,
        [Parameter(Mandatory = $true)][switch] $AgreeToRemoteSupportConsent,
        [string] $SupportCaseNumber
    )
    if ($SupportCaseNumber -eq 'bad case') {
        $PSCmdlet.ThrowTerminatingError((New-RemoteSupportError 'InvalidSupportCaseNumber' 'supportCaseNumber may hold letters, digits and -' 'supportCaseNumber' 'letters, digits and -, 1 to 64 characters' $MyInvocation.MyCommand.Name))
    }
    if ($SupportCaseNumber -eq 'written error') {
        $PSCmdlet.WriteError((New-RemoteSupportError 'NoActiveGrant' 'no grant' $null $null $MyInvocation.MyCommand.Name))
        return
    }
    [pscustomobject]@{ grant = [pscustomobject]@{ accessLevel = $AccessLevel; expireInMinutes = $ExpireInMinutes; supportCaseNumber = $SupportCaseNumber; grantedAt = '2026-11-25T12:00:00.000Z' }; superseded = $null }
}

function Disable-AzStackHCIRemoteSupport {
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High')]
    param([string] $Cluster)
    if ($PSCmdlet.ShouldProcess($Cluster, 'Revoke remote support access')) {
        [pscustomobject]@{ revoked = $null; sessionsEnded = 0 }
    }
}

function Export-AzStackHCIRemoteSupportTranscript {
    [CmdletBinding()]
    param([string] $Cluster, [Parameter(Mandatory = $true)][string] $SessionId, [ValidateSet('json', 'text')][string] $Format = 'json')
    "Remote support session $SessionId`n  ""quoted"" & <tags> `$notAVariable"
}

Export-ModuleMember -Function *-AzStackHCIRemoteSupport*
