# The script the extension runs through Windows Admin Center's PowerShell API
# (the SDK's PowerShell.run on the cluster connection) to call one cmdlet of the
# AzStackHCI.RemoteSupport module. scripts/build-extension.mjs copies this text
# into src/generated/powershell-scripts.ts; the text never changes per call:
# the cmdlet's name and its arguments arrive as the command's parameters.
#
# Output: ONE string, `{"ok":true,"data":[...]}` or
# `{"ok":false,"error":{"code","message","field","allowed"}}` (docs/extension.md).
# Parameters are untyped on purpose: the cmdlet's own attributes (ValidateSet,
# ValidateRange, Mandatory) check them inside the try, so a refusal comes back
# as an error object rather than as a failed script.
# Windows PowerShell 5.1 and PowerShell 7: no 7-only syntax here.
param(
    [Parameter(Mandatory = $true)]
    [ValidateSet(
        'Get-AzStackHCIRemoteSupportStatus', 'Test-AzStackHCIRemoteSupportPrerequisite', 'Get-AzStackHCIRemoteSupportTerms',
        'Get-AzStackHCIRemoteSupportCommand', 'Install-AzStackHCIRemoteSupport', 'Remove-AzStackHCIRemoteSupport',
        'Get-AzStackHCIRemoteSupportOperation', 'Enable-AzStackHCIRemoteSupport', 'Disable-AzStackHCIRemoteSupport',
        'Get-AzStackHCIRemoteSupportAccess', 'Get-AzStackHCIRemoteSupportSessionHistory', 'Stop-AzStackHCIRemoteSupportSession',
        'Test-AzStackHCIRemoteSupportTranscript', 'Export-AzStackHCIRemoteSupportTranscript', 'Search-AzStackHCIRemoteSupportTranscript',
        'Get-AzStackHCIRemoteSupportAccessRequest', 'Approve-AzStackHCIRemoteSupportAccessRequest', 'Deny-AzStackHCIRemoteSupportAccessRequest',
        'Send-AzStackHCIRemoteSupportAccessRequestQuestion', 'Get-AzStackHCIRemoteSupportRepairApproval', 'Approve-AzStackHCIRemoteSupportRepair',
        'Deny-AzStackHCIRemoteSupportRepair', 'Get-AzStackHCIRemoteSupportDenyList', 'Set-AzStackHCIRemoteSupportDenyList',
        'Get-AzStackHCIRemoteSupportRecordRead')]
    [string] $RemoteSupportCommand,
    $Cluster, $AccessLevel, $ExpireInMinutes, $SasCredential, $AgreeToRemoteSupportConsent, $SupportCaseNumber, $TermsVersion,
    $IncludeExpired, $FromDate, $SessionId, $IncludeSessionTranscript, $Query, $Limit, $Format, $Node, $NoWait, $OperationId,
    $PageSize, $Cursor, $RequestId, $Open, $StartAt, $Reason, $Question, $ApprovalId, $Rule, $ExpectedVersion
)

# The cmdlets that ask before they change something (ConfirmImpact High): the
# admin confirmed in the extension's own dialog, and a WAC runspace has no host to ask.
$confirming = @('Remove-AzStackHCIRemoteSupport', 'Disable-AzStackHCIRemoteSupport', 'Stop-AzStackHCIRemoteSupportSession', 'Set-AzStackHCIRemoteSupportDenyList')

$arguments = @{}
foreach ($name in $PSBoundParameters.Keys) {
    if ($name -ne 'RemoteSupportCommand') { $arguments[$name] = $PSBoundParameters[$name] }
}
if ($confirming -contains $RemoteSupportCommand) { $arguments['Confirm'] = $false }
# Deny rules arrive as the objects ConvertFrom-Json made (or as hashtables); the cmdlet takes each rule as a hashtable
# (its nested parameters object is sent on to the gateway as it is).
if ($arguments.ContainsKey('Rule')) {
    $rules = @()
    foreach ($item in @($arguments['Rule'])) {
        if ($item -is [System.Collections.IDictionary]) { $rules += $item; continue }
        $table = @{}
        if ($null -ne $item) { foreach ($property in $item.PSObject.Properties) { $table[$property.Name] = $property.Value } }
        $rules += $table
    }
    $arguments['Rule'] = [System.Collections.IDictionary[]] $rules
}

try {
    Import-Module AzStackHCI.RemoteSupport -ErrorAction Stop
    $out = @(& $RemoteSupportCommand @arguments -ErrorAction Stop)
    ConvertTo-Json -InputObject @{ ok = $true; data = $out } -Depth 32 -Compress
}
catch {
    $e = $_.Exception.Data['RemoteSupportError']
    if (-not $e) {
        $e = @{ code = ($_.FullyQualifiedErrorId -split ',')[0]; message = $_.Exception.Message }
        # PowerShell refused an argument before the cmdlet ran: name the parameter.
        if ($_.Exception -is [System.Management.Automation.ParameterBindingException] -and $_.Exception.ParameterName) {
            $e['field'] = $_.Exception.ParameterName.Trim()
        }
    }
    ConvertTo-Json -InputObject @{ ok = $false; error = $e } -Depth 8 -Compress
}
