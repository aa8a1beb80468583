# Stand-ins for the NetAdapter module's functions (CIM-based CDXML functions on
# Windows, so functions here too: JEA shows them through VisibleFunctions).
# TEST ONLY: see powershell/test/Build-HciTestModules.ps1.

. (Join-Path $PSScriptRoot 'HciTest.Common.ps1')

function Get-NetAdapter {
    [CmdletBinding(PositionalBinding = $false)]
    param(
        [Parameter(Position = 0)]
        [string[]] $Name,
        [switch] $Physical,
        [switch] $IncludeHidden
    )
    $node = Get-HciTestNode -Cmdlet $PSCmdlet
    Wait-HciTestHang -Cmdlet $PSCmdlet -Node $node
    $adapters = @($node.Data.netAdapters)
    if (-not $IncludeHidden) { $adapters = @($adapters | Where-Object { $_['Hidden'] -ne $true }) }
    if ($Physical) { $adapters = @($adapters | Where-Object { $_['ConnectorPresent'] -eq $true }) }
    Write-HciTestByName -Cmdlet $PSCmdlet -Items $adapters -Property 'Name' -Patterns $Name -CimClass 'MSFT_NetAdapter'
}

function Get-NetAdapterRdma {
    [CmdletBinding(PositionalBinding = $false)]
    param(
        [Parameter(Position = 0)]
        [string[]] $Name
    )
    $node = Get-HciTestNode -Cmdlet $PSCmdlet
    Wait-HciTestHang -Cmdlet $PSCmdlet -Node $node
    Write-HciTestByName -Cmdlet $PSCmdlet -Items $node.Data.commands['Get-NetAdapterRdma'] -Property 'Name' -Patterns $Name -CimClass 'MSFT_NetAdapterRdmaSettingData'
}

Export-ModuleMember -Function Get-NetAdapter, Get-NetAdapterRdma
