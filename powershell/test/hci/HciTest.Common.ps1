# Shared by the HCI test function modules (Storage, NetAdapter); the build
# copies it into each module folder and each .psm1 dot-sources it. TEST ONLY:
# see powershell/test/Build-HciTestModules.ps1. Nothing here is exported.

Set-StrictMode -Version 3.0

# The snapshot named by $env:HCI_TEST_FIXTURE, parsed once per process (kept in
# AppDomain data, so every runspace of the process shares it, and its changes).
function Get-HciTestSnapshot {
    $path = $env:HCI_TEST_FIXTURE
    if (-not $path) {
        throw 'The HCI test modules read their data from the file named by the environment variable HCI_TEST_FIXTURE, which is not set.'
    }
    $key = "HciTest.Snapshot|$path"
    $data = [AppDomain]::CurrentDomain.GetData($key)
    if ($null -eq $data) {
        $data = Get-Content -Raw -LiteralPath $path | ConvertFrom-Json -AsHashtable -DateKind String -Depth 64
        [AppDomain]::CurrentDomain.SetData($key, $data)
    }
    $data
}

# A process-wide list that lives as long as the snapshot (such as the virtual disks being repaired).
function Get-HciTestSharedList {
    param([Parameter(Mandatory)][string] $Name)
    $key = "HciTest.$Name|$env:HCI_TEST_FIXTURE"
    [System.Threading.Monitor]::Enter([AppDomain])
    try {
        $list = [AppDomain]::CurrentDomain.GetData($key)
        if ($null -eq $list) {
            $list = [System.Collections.ArrayList]::Synchronized([System.Collections.ArrayList]::new())
            [AppDomain]::CurrentDomain.SetData($key, $list)
        }
    } finally {
        [System.Threading.Monitor]::Exit([AppDomain])
    }
    , $list
}

# The node's part of the snapshot, for the node named by $HciTestNode (set in the
# runspace's global scope, as the test harness does).
function Get-HciTestNode {
    param([Parameter(Mandatory)] $Cmdlet)
    $wanted = $global:HciTestNode
    if (-not $wanted) { $wanted = $Cmdlet.SessionState.PSVariable.GetValue('HciTestNode') }
    if (-not $wanted) {
        $Cmdlet.ThrowTerminatingError([System.Management.Automation.ErrorRecord]::new(
                [InvalidOperationException]::new('The HCI test modules need the node to play in the variable $HciTestNode.'),
                'HciTestNodeNotSet', 'InvalidOperation', $null))
    }
    $snapshot = Get-HciTestSnapshot
    $name = @($snapshot.nodes.Keys | Where-Object { $_ -eq $wanted })[0]
    if (-not $name) {
        $Cmdlet.ThrowTerminatingError([System.Management.Automation.ErrorRecord]::new(
                [ArgumentException]::new("'$wanted' is not a node of the HCI test fixture; the nodes are $($snapshot.nodes.Keys -join ', ')."),
                'HciTestUnknownNode', 'InvalidArgument', $wanted))
    }
    @{ Name = $name; Data = $snapshot.nodes[$name]; Snapshot = $snapshot }
}

# The Hang hook: $env:HCI_TEST_HANG_CMDLET (a command name or *) with
# $env:HCI_TEST_HANG_MODE, else the snapshot's "hang", else the node's "hang"
# fault. 'stop' blocks until PowerShell stops the pipeline; 'ignoreStop'
# sleeps the thread, which Stop() cannot end. As it starts to block it appends
# the command's name to the file $env:HCI_TEST_HANG_MARKER names, if any, so
# a test waits for that moment instead of guessing it with a sleep.
function Wait-HciTestHang {
    param([Parameter(Mandatory)] $Cmdlet, [Parameter(Mandatory)] $Node)
    $command = $Cmdlet.MyInvocation.MyCommand.Name
    $mode = $null
    if ($env:HCI_TEST_HANG_CMDLET -and ($env:HCI_TEST_HANG_CMDLET -eq '*' -or $env:HCI_TEST_HANG_CMDLET -eq $command)) {
        $mode = if ($env:HCI_TEST_HANG_MODE) { $env:HCI_TEST_HANG_MODE } else { 'stop' }
    } elseif ($Node.Snapshot.hang -and ($Node.Snapshot.hang.cmdlet -eq '*' -or $Node.Snapshot.hang.cmdlet -eq $command)) {
        $mode = if ($Node.Snapshot.hang.mode) { $Node.Snapshot.hang.mode } else { 'stop' }
    } elseif ($Node.Data.hang -eq $true) {
        $mode = 'stop'
    }
    if (-not $mode) { return }
    if ($env:HCI_TEST_HANG_MARKER) { [System.IO.File]::AppendAllText($env:HCI_TEST_HANG_MARKER, "$command`n") }
    if ($mode -eq 'ignoreStop') { [System.Threading.Thread]::Sleep([System.Threading.Timeout]::Infinite) }
    while ($true) { Start-Sleep -Milliseconds 200 }
}

# A fresh PSCustomObject for a snapshot value: objects nest, lists stay lists, numbers stay numbers.
function ConvertTo-HciTestObject {
    param($Value)
    if ($Value -is [System.Collections.IDictionary]) {
        $properties = [ordered]@{}
        foreach ($key in $Value.Keys) { $properties[$key] = ConvertTo-HciTestObject $Value[$key] }
        return [pscustomobject]$properties
    }
    if ($Value -is [System.Collections.IList]) {
        $items = [object[]]::new($Value.Count)
        for ($i = 0; $i -lt $Value.Count; $i++) { $items[$i] = ConvertTo-HciTestObject $Value[$i] }
        return , $items
    }
    $Value
}

# The objects whose property matches any pattern (wildcards, no case), all when
# Patterns is null, and the patterns without wildcards that matched nothing.
function Select-HciTestByName {
    param($Items, [string] $Property, [string[]] $Patterns)
    $all = @($Items)
    if ($null -eq $Patterns) { return @{ Items = $all; Missing = @() } }
    $matchers = @($Patterns | ForEach-Object { [WildcardPattern]::Get($_, [System.Management.Automation.WildcardOptions]::IgnoreCase) })
    $kept = @($all | Where-Object {
            $name = $_[$Property]
            $null -ne $name -and @($matchers | Where-Object { $_.IsMatch([string]$name) }).Count -gt 0
        })
    $missing = [System.Collections.Generic.List[string]]::new()
    for ($i = 0; $i -lt $Patterns.Count; $i++) {
        if ([WildcardPattern]::ContainsWildcardCharacters($Patterns[$i])) { continue }
        $matcher = $matchers[$i]
        if (@($kept | Where-Object { $matcher.IsMatch([string]$_[$Property]) }).Count -eq 0) { $missing.Add($Patterns[$i]) }
    }
    @{ Items = $kept; Missing = $missing.ToArray() }
}

# The CDXML (CIM) commands' non-terminating error for a value that matches no object.
function Write-HciTestNotFound {
    param([Parameter(Mandatory)] $Cmdlet, [string] $CimClass, [string] $Property, [string[]] $Values)
    foreach ($value in $Values) {
        $record = [System.Management.Automation.ErrorRecord]::new(
            [Exception]::new("No $CimClass objects found with property '$Property' equal to '$value'.  Verify the value of the property and retry."),
            "CmdletizationQuery_NotFound_$Property", [System.Management.Automation.ErrorCategory]::ObjectNotFound, $value)
        $record.CategoryInfo.Reason = 'CimJobException'
        $Cmdlet.WriteError($record)
    }
}

# Writes snapshot objects as fresh PSCustomObjects.
function Write-HciTestObject {
    param([Parameter(Mandatory)] $Cmdlet, $Items)
    foreach ($item in @($Items)) { $Cmdlet.WriteObject((ConvertTo-HciTestObject $item)) }
}

# Enum-like values compared the way their parameter and display forms differ: AutoSelect equals Auto-Select.
function Test-HciTestSameEnumValue {
    param([string] $A, [string] $B)
    ($A -replace '[^A-Za-z0-9]', '') -eq ($B -replace '[^A-Za-z0-9]', '')
}

# Writes the objects whose Property matches one of the name patterns, then a not-found error
# per name that matched nothing: the body of every stand-in that only filters by name.
function Write-HciTestByName {
    param([Parameter(Mandatory)] $Cmdlet, [AllowNull()] $Items, [Parameter(Mandatory)] [string] $Property, [AllowNull()] [string[]] $Patterns, [Parameter(Mandatory)] [string] $CimClass)
    $found = Select-HciTestByName -Items $Items -Property $Property -Patterns $Patterns
    Write-HciTestObject -Cmdlet $Cmdlet -Items $found.Items
    Write-HciTestNotFound -Cmdlet $Cmdlet -CimClass $CimClass -Property $Property -Values $found.Missing
}
