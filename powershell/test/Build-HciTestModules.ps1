<#
.SYNOPSIS
Builds the HCI test modules: stand-ins for the Azure Stack HCI node commands,
for tests only.

.DESCRIPTION
WHAT THESE ARE. On Linux (and on any machine that is not an HCI node) there
are no FailoverClusters, Hyper-V, AzureStackHCI, Storage or NetAdapter
modules. These stand-ins give real PowerShell, and real JEA session
processing, commands with the real names, kinds and parameters that answer
from the simulated cluster's data. They exist ONLY for tests: never ship or
install them anywhere near a real node.

WHAT IS BUILT (one folder per module under -OutputDirectory, each with a
manifest whose CmdletsToExport or FunctionsToExport lists exactly its commands):
  FailoverClusters   cmdlets   Get-Cluster, Get-ClusterGroup, Get-ClusterNode, Get-ClusterOwnerNode, Get-ClusterResource, Get-ClusterSharedVolume
  Hyper-V            cmdlets   Get-VHD, Get-VM, Get-VMHost, Get-VMSwitch
  AzureStackHCI      cmdlet    Get-AzureStackHCI
  HciTest.Services   cmdlets   Get-Service, Start-Service, Stop-Service, Restart-Service
                               (the real ones are in Microsoft.PowerShell.Management, a core
                               module that always loads from $PSHOME and has no service
                               cmdlets on Linux, hence a module of their own)
  Storage            functions Get-PhysicalDisk, Get-StorageEnclosure, Get-StorageJob, Get-StorageNode,
                               Get-StorageSubsystem, Get-VirtualDisk, Get-Volume, Repair-VirtualDisk
  NetAdapter         functions Get-NetAdapter, Get-NetAdapterRdma
The cmdlets are compiled C# (test/hci/*.cs, one assembly per module, each with
test/hci/HciTestSupport.cs); the functions are script functions with
[CmdletBinding()] (test/hci/*.psm1 with test/hci/HciTest.Common.ps1). A
module is rebuilt only when a source (or this script) is newer than its
manifest. Measured on the 2-core test machine: compiling all four assemblies
takes 2.5-5 s inside pwsh (plus 3-4 s for pwsh to start); an up-to-date run
takes about 0.4 s inside pwsh.
test/Invoke-HciTestProbe.ps1 runs cases against the built modules for
gateway-plugin/test/hci-test-modules.test.ts.

HOW THEY RUN. Data: the JSON file named by $env:HCI_TEST_FIXTURE, written by
gateway-plugin/test/helpers/hci-fixture.ts (writeHciFixture) from the
simulator's own code at a fixed time; read once per process. Node: the
variable $HciTestNode of the runspace (global scope). Hang hook:
$env:HCI_TEST_HANG_CMDLET names a command (or *) that blocks, in the mode
$env:HCI_TEST_HANG_MODE: 'stop' (default; ends when PowerShell stops the
pipeline) or 'ignoreStop' (Thread.Sleep; Stop() cannot end it, so only
killing the process does); the fixture's "hang" and a node's "hang" fault
do the same. As a command starts to block it appends its name to the file
$env:HCI_TEST_HANG_MARKER names, if set, for tests to wait on.

FAITHFUL to the real commands (and equal to the simulator):
  - names, command kind (cmdlet or function), module names;
  - the parameters of gateway-plugin/src/policy/command-table.ts, with close
    types (string[] name lists, SwitchParameter switches, char[] DriveLetter,
    a VMSwitchType[] enum for -SwitchType), the real position 0 where the
    table marks one, Mandatory -Path / -Name / -FriendlyName on Get-VHD, the
    service changers and Repair-VirtualDisk;
  - name filters with wildcards, without case (WildcardPattern); enum
    filters (-HealthStatus, -Usage, -SwitchType);
  - output property names and values (numbers stay numbers, nested objects
    and lists stay nested), as PSCustomObjects;
  - a non-terminating error per name without wildcards that matches nothing,
    with the simulator's message, category, reason and FullyQualifiedErrorId
    (the C# classes carry the real class names, e.g.
    Microsoft.HyperV.PowerShell.Commands.GetVM, so PowerShell builds the real
    ids; the functions' ids end in the function name, as CDXML ones do);
  - service changes per node: Start-Service starts what a service depends on
    first; Stop-/Restart-Service refuse a service with a running dependent
    (no -Force); the cluster cmdlets fail while ClusSvc is stopped and the
    Hyper-V ones while vmms is stopped;
  - Repair-VirtualDisk on a degraded disk: Get-VirtualDisk and Get-StorageJob
    then show what the simulator shows right after the same repair.
NOT FAITHFUL:
  - objects are PSCustomObjects, not the real .NET/CIM types (no type names,
    no formatting views, no methods); dates and time spans are strings;
  - the data is a snapshot at one instant: uptimes, job progress and Azure
    sync times do not move, a started repair never completes;
  - changes stay on their node's services: stopping ClusSvc does not take the
    node down for the other nodes nor fail its roles over; a repair does not
    change Get-StorageSubsystem's health; VMs do not move;
  - no pipeline input, no -InputObject/-CimSession/-AsJob/-PassThru or any
    parameter outside the command table; Get-VHD compares paths exactly
    (without case) and resolves nothing; Get-ClusterOwnerNode checks -Group
    versus -Resource itself (with the simulator's words) instead of parameter sets.

.PARAMETER OutputDirectory
Where the module folders go; put it on $env:PSModulePath to Import-Module them by name.

.PARAMETER Force
Compile even when the outputs are newer than the sources.

.EXAMPLE
pwsh -NoProfile -File powershell/test/Build-HciTestModules.ps1 -OutputDirectory /tmp/hci-modules
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)]
    [string] $OutputDirectory,
    [switch] $Force
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

$source = Join-Path $PSScriptRoot 'hci'
$support = Join-Path $source 'HciTestSupport.cs'
$common = Join-Path $source 'HciTest.Common.ps1'

# Module name, its kind, its source file, its commands, and a fixed GUID (a module's identity must not change between builds).
$modules = @(
    @{ Name = 'FailoverClusters'; Kind = 'cmdlet'; Source = 'FailoverClusters.cs'; Guid = '5f6d3b0e-6a43-4f55-9d6e-0b3c7e0a1c01'
        Commands = 'Get-Cluster', 'Get-ClusterGroup', 'Get-ClusterNode', 'Get-ClusterOwnerNode', 'Get-ClusterResource', 'Get-ClusterSharedVolume' }
    @{ Name = 'Hyper-V'; Kind = 'cmdlet'; Source = 'Hyper-V.cs'; Guid = '5f6d3b0e-6a43-4f55-9d6e-0b3c7e0a1c02'
        Commands = 'Get-VHD', 'Get-VM', 'Get-VMHost', 'Get-VMSwitch' }
    @{ Name = 'AzureStackHCI'; Kind = 'cmdlet'; Source = 'AzureStackHCI.cs'; Guid = '5f6d3b0e-6a43-4f55-9d6e-0b3c7e0a1c03'
        Commands = @('Get-AzureStackHCI') }
    @{ Name = 'HciTest.Services'; Kind = 'cmdlet'; Source = 'HciTest.Services.cs'; Guid = '5f6d3b0e-6a43-4f55-9d6e-0b3c7e0a1c04'
        Commands = 'Get-Service', 'Start-Service', 'Stop-Service', 'Restart-Service' }
    @{ Name = 'Storage'; Kind = 'function'; Source = 'Storage.psm1'; Guid = '5f6d3b0e-6a43-4f55-9d6e-0b3c7e0a1c05'
        Commands = 'Get-PhysicalDisk', 'Get-StorageEnclosure', 'Get-StorageJob', 'Get-StorageNode', 'Get-StorageSubsystem', 'Get-VirtualDisk', 'Get-Volume', 'Repair-VirtualDisk' }
    @{ Name = 'NetAdapter'; Kind = 'function'; Source = 'NetAdapter.psm1'; Guid = '5f6d3b0e-6a43-4f55-9d6e-0b3c7e0a1c06'
        Commands = 'Get-NetAdapter', 'Get-NetAdapterRdma' }
)

function Write-Manifest {
    param($Module, [string] $Folder, [string] $RootModule)
    $commands = ($Module.Commands | ForEach-Object { "'$_'" }) -join ', '
    $cmdlets = if ($Module.Kind -eq 'cmdlet') { $commands } else { '' }
    $functions = if ($Module.Kind -eq 'function') { $commands } else { '' }
    $manifest = @"
# TEST ONLY: a stand-in built by powershell/test/Build-HciTestModules.ps1.
@{
    RootModule = '$RootModule'
    ModuleVersion = '1.0.0'
    GUID = '$($Module.Guid)'
    Author = 'Remote Support for Azure Stack HCI tests'
    Description = 'Test stand-in for the $($Module.Name) commands of an Azure Stack HCI node. For tests only.'
    PowerShellVersion = '7.4'
    CmdletsToExport = @($cmdlets)
    FunctionsToExport = @($functions)
    AliasesToExport = @()
    VariablesToExport = @()
}
"@
    Set-Content -LiteralPath (Join-Path $Folder "$($Module.Name).psd1") -Value $manifest -Encoding utf8NoBOM
}

$started = [System.Diagnostics.Stopwatch]::StartNew()
$null = New-Item -ItemType Directory -Force -Path $OutputDirectory
$OutputDirectory = (Resolve-Path -LiteralPath $OutputDirectory).ProviderPath
# The build script itself is a source: a change to a manifest's shape rebuilds everything.
$scriptTime = (Get-Item -LiteralPath $PSCommandPath).LastWriteTimeUtc
$built = [System.Collections.Generic.List[string]]::new()
foreach ($module in $modules) {
    $folder = Join-Path $OutputDirectory $module.Name
    $null = New-Item -ItemType Directory -Force -Path $folder
    $sources = if ($module.Kind -eq 'cmdlet') { @((Join-Path $source $module.Source), $support) } else { @((Join-Path $source $module.Source), $common) }
    $root = if ($module.Kind -eq 'cmdlet') { "$($module.Name).dll" } else { "$($module.Name).psm1" }
    # The manifest is written last, so its time is the build's (copies may keep their sources' times).
    $manifestPath = Join-Path $folder "$($module.Name).psd1"
    $newestSource = @($sources | ForEach-Object { (Get-Item -LiteralPath $_).LastWriteTimeUtc }) + $scriptTime | Sort-Object -Descending | Select-Object -First 1
    $upToDate = -not $Force -and (Test-Path -LiteralPath (Join-Path $folder $root)) -and (Test-Path -LiteralPath $manifestPath) -and
        (Get-Item -LiteralPath $manifestPath).LastWriteTimeUtc -gt $newestSource
    if ($upToDate) { continue }

    if ($module.Kind -eq 'cmdlet') {
        $dll = Join-Path $folder $root
        if (Test-Path -LiteralPath $dll) { Remove-Item -LiteralPath $dll -Force }
        # -Path with both files: each is its own compilation unit, so each keeps its using directives.
        Add-Type -Path $sources -OutputAssembly $dll
    } else {
        Copy-Item -LiteralPath (Join-Path $source $module.Source), $common -Destination $folder -Force
    }
    Write-Manifest -Module $module -Folder $folder -RootModule $root
    $built.Add($module.Name)
}

$started.Stop()
$upToDate = @($modules.Name | Where-Object { $built -notcontains $_ })
"Build-HciTestModules: compiled/copied [{0}], up to date [{1}], in {2:n2} s, into {3}" -f ($built -join ', '), ($upToDate -join ', '), $started.Elapsed.TotalSeconds, $OutputDirectory
