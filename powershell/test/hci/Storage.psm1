# Stand-ins for the Storage module's functions (CIM-based CDXML functions on
# Windows, so functions here too: JEA shows them through VisibleFunctions).
# TEST ONLY: see powershell/test/Build-HciTestModules.ps1.

. (Join-Path $PSScriptRoot 'HciTest.Common.ps1')

# The virtual disks whose repair Repair-VirtualDisk started, in order, for the whole process.
function Get-HciTestRepair {
    Get-HciTestSharedList -Name 'VirtualDiskRepairs'
}

function Get-PhysicalDisk {
    [CmdletBinding(PositionalBinding = $false)]
    param(
        [Parameter(Position = 0)]
        [string[]] $FriendlyName,
        [string[]] $SerialNumber,
        [ValidateSet('Healthy', 'Warning', 'Unhealthy', 'Unknown')]
        [string] $HealthStatus,
        [ValidateSet('Unknown', 'AutoSelect', 'ManualSelect', 'HotSpare', 'Retired', 'Journal')]
        [string] $Usage
    )
    $node = Get-HciTestNode -Cmdlet $PSCmdlet
    Wait-HciTestHang -Cmdlet $PSCmdlet -Node $node
    $disks = @($node.Data.commands['Get-PhysicalDisk'])
    if ($PSBoundParameters.ContainsKey('HealthStatus')) { $disks = @($disks | Where-Object { Test-HciTestSameEnumValue $_['HealthStatus'] $HealthStatus }) }
    if ($PSBoundParameters.ContainsKey('Usage')) { $disks = @($disks | Where-Object { Test-HciTestSameEnumValue $_['Usage'] $Usage }) }
    $bySerial = Select-HciTestByName -Items $disks -Property 'SerialNumber' -Patterns $SerialNumber
    $byFriendly = Select-HciTestByName -Items $bySerial.Items -Property 'FriendlyName' -Patterns $FriendlyName
    Write-HciTestObject -Cmdlet $PSCmdlet -Items $byFriendly.Items
    Write-HciTestNotFound -Cmdlet $PSCmdlet -CimClass 'MSFT_PhysicalDisk' -Property 'FriendlyName' -Values $byFriendly.Missing
    Write-HciTestNotFound -Cmdlet $PSCmdlet -CimClass 'MSFT_PhysicalDisk' -Property 'SerialNumber' -Values $bySerial.Missing
}

function Get-StorageEnclosure {
    [CmdletBinding(PositionalBinding = $false)]
    param(
        [Parameter(Position = 0)]
        [string[]] $FriendlyName
    )
    $node = Get-HciTestNode -Cmdlet $PSCmdlet
    Wait-HciTestHang -Cmdlet $PSCmdlet -Node $node
    Write-HciTestByName -Cmdlet $PSCmdlet -Items $node.Data.commands['Get-StorageEnclosure'] -Property 'FriendlyName' -Patterns $FriendlyName -CimClass 'MSFT_StorageEnclosure'
}

function Get-StorageJob {
    [CmdletBinding(PositionalBinding = $false)]
    param(
        [Parameter(Position = 0)]
        [string[]] $Name
    )
    $node = Get-HciTestNode -Cmdlet $PSCmdlet
    Wait-HciTestHang -Cmdlet $PSCmdlet -Node $node
    $jobs = [System.Collections.Generic.List[object]]::new()
    foreach ($job in @($node.Data.commands['Get-StorageJob'])) { $jobs.Add($job) }
    # A started repair replaces a job of the same name and comes last, as in the simulator.
    foreach ($disk in (Get-HciTestRepair).ToArray()) {
        $repairJob = $node.Snapshot.virtualDiskRepairs[$disk].job
        $same = @($jobs | Where-Object { $_['Name'] -ceq $repairJob['Name'] })
        foreach ($old in $same) { [void]$jobs.Remove($old) }
        $jobs.Add($repairJob)
    }
    Write-HciTestByName -Cmdlet $PSCmdlet -Items $jobs -Property 'Name' -Patterns $Name -CimClass 'MSFT_StorageJob'
}

function Get-StorageNode {
    [CmdletBinding(PositionalBinding = $false)]
    param(
        [Parameter(Position = 0)]
        [string[]] $Name
    )
    $node = Get-HciTestNode -Cmdlet $PSCmdlet
    Wait-HciTestHang -Cmdlet $PSCmdlet -Node $node
    Write-HciTestByName -Cmdlet $PSCmdlet -Items $node.Data.commands['Get-StorageNode'] -Property 'Name' -Patterns $Name -CimClass 'MSFT_StorageNode'
}

function Get-StorageSubsystem {
    [CmdletBinding(PositionalBinding = $false)]
    param(
        [Parameter(Position = 0)]
        [string[]] $FriendlyName
    )
    $node = Get-HciTestNode -Cmdlet $PSCmdlet
    Wait-HciTestHang -Cmdlet $PSCmdlet -Node $node
    Write-HciTestByName -Cmdlet $PSCmdlet -Items $node.Data.commands['Get-StorageSubsystem'] -Property 'FriendlyName' -Patterns $FriendlyName -CimClass 'MSFT_StorageSubSystem'
}

# The node's virtual disks, with the state a started repair gives them.
function Get-HciTestVirtualDisk {
    param([Parameter(Mandatory)] $Node)
    $repairs = (Get-HciTestRepair).ToArray()
    foreach ($disk in @($Node.Data.commands['Get-VirtualDisk'])) {
        if ($repairs -contains $disk['FriendlyName']) { $Node.Snapshot.virtualDiskRepairs[$disk['FriendlyName']].virtualDisk } else { $disk }
    }
}

function Get-VirtualDisk {
    [CmdletBinding(PositionalBinding = $false)]
    param(
        [Parameter(Position = 0)]
        [string[]] $FriendlyName
    )
    $node = Get-HciTestNode -Cmdlet $PSCmdlet
    Wait-HciTestHang -Cmdlet $PSCmdlet -Node $node
    Write-HciTestByName -Cmdlet $PSCmdlet -Items @(Get-HciTestVirtualDisk -Node $node) -Property 'FriendlyName' -Patterns $FriendlyName -CimClass 'MSFT_VirtualDisk'
}

function Get-Volume {
    [CmdletBinding(PositionalBinding = $false)]
    param(
        [string[]] $FileSystemLabel,
        [char[]] $DriveLetter
    )
    $node = Get-HciTestNode -Cmdlet $PSCmdlet
    Wait-HciTestHang -Cmdlet $PSCmdlet -Node $node
    $byLabel = Select-HciTestByName -Items $node.Data.commands['Get-Volume'] -Property 'FileSystemLabel' -Patterns $FileSystemLabel
    $kept = @($byLabel.Items)
    $missingLetters = @()
    if ($null -ne $DriveLetter) {
        $letters = @($DriveLetter | ForEach-Object { [string]$_ })
        $kept = @($kept | Where-Object { $letter = [string]$_['DriveLetter']; @($letters | Where-Object { $_ -eq $letter }).Count -gt 0 })
        $missingLetters = @($letters | Where-Object { $l = $_; @($kept | Where-Object { [string]$_['DriveLetter'] -eq $l }).Count -eq 0 })
    }
    Write-HciTestObject -Cmdlet $PSCmdlet -Items $kept
    Write-HciTestNotFound -Cmdlet $PSCmdlet -CimClass 'MSFT_Volume' -Property 'FileSystemLabel' -Values $byLabel.Missing
    Write-HciTestNotFound -Cmdlet $PSCmdlet -CimClass 'MSFT_Volume' -Property 'DriveLetter' -Values $missingLetters
}

# Starts the repair of a degraded virtual disk: from then on Get-VirtualDisk and
# Get-StorageJob show what the simulator shows right after the same repair.
# A healthy disk, or one already being repaired, is left alone. Writes nothing.
function Repair-VirtualDisk {
    [CmdletBinding(PositionalBinding = $false)]
    param(
        [Parameter(Position = 0, Mandatory)]
        [string[]] $FriendlyName
    )
    $node = Get-HciTestNode -Cmdlet $PSCmdlet
    Wait-HciTestHang -Cmdlet $PSCmdlet -Node $node
    $found = Select-HciTestByName -Items @($node.Data.commands['Get-VirtualDisk']) -Property 'FriendlyName' -Patterns $FriendlyName
    $repairs = Get-HciTestRepair
    foreach ($disk in $found.Items) {
        $name = $disk['FriendlyName']
        if ($null -ne $node.Snapshot.virtualDiskRepairs[$name] -and -not $repairs.Contains($name)) { [void]$repairs.Add($name) }
    }
    Write-HciTestNotFound -Cmdlet $PSCmdlet -CimClass 'MSFT_VirtualDisk' -Property 'FriendlyName' -Values $found.Missing
}

Export-ModuleMember -Function Get-PhysicalDisk, Get-StorageEnclosure, Get-StorageJob, Get-StorageNode, Get-StorageSubsystem, Get-VirtualDisk, Get-Volume, Repair-VirtualDisk
