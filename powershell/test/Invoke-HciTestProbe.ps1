<#
.SYNOPSIS
Runs cases against the HCI test modules in this one process and writes what
happened as JSON. TEST ONLY: the other half of
gateway-plugin/test/hci-test-modules.test.ts.

.DESCRIPTION
-CasesPath names a JSON file:
  { "modules": ["FailoverClusters", ...],
    "commands": ["Get-VM", ...],
    "cases": [ { "node": "hci-n01", "command": "Get-VM", "parameters": { "Name": ["vm-*"] } }, ... ],
    "hang": [ { "command": "Get-VM", "mode": "stop" }, ... ] }
and -OutputPath receives:
  { "commands": { "<name>": { "commandType", "moduleName", "parameters": { "<name>": { "type", "position" } } } },
    "cases": [ { "objects": ["<json>", ...], "errors": [<record>], "terminating": <record>|null } ],
    "hang": [ { "blocked", "stopped", "stopMs", "state" } ] }
Each object is ConvertTo-Json -Depth 6 -Compress of a plain ordered hashtable
of its properties. The modules must be on $env:PSModulePath and
$env:HCI_TEST_FIXTURE must name the fixture. Cases run in order, in one
session, so repairs show in the cases after them. The hang checks come last
(an 'ignoreStop' one leaves a thread asleep for ever), and the script ends
the process itself.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $CasesPath,
    [Parameter(Mandatory)] [string] $OutputPath
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

function ConvertTo-ErrorJson {
    param([System.Management.Automation.ErrorRecord] $Record)
    [ordered]@{
        message = $Record.Exception.Message
        category = $Record.CategoryInfo.Category.ToString()
        activity = $Record.CategoryInfo.Activity
        reason = $Record.CategoryInfo.Reason
        targetName = $Record.CategoryInfo.TargetName
        targetType = $Record.CategoryInfo.TargetType
        fullyQualifiedErrorId = $Record.FullyQualifiedErrorId
    }
}

$spec = Get-Content -Raw -LiteralPath $CasesPath | ConvertFrom-Json -AsHashtable -DateKind String
foreach ($module in $spec.modules) { Import-Module -Name $module -ErrorAction Stop }

$commands = [ordered]@{}
foreach ($name in $spec.commands) {
    $command = Get-Command -Name $name -ErrorAction SilentlyContinue
    if (-not $command) { $commands[$name] = $null; continue }
    $parameters = [ordered]@{}
    foreach ($p in $command.Parameters.Values) {
        if ([System.Management.Automation.Cmdlet]::CommonParameters -contains $p.Name -or [System.Management.Automation.Cmdlet]::OptionalCommonParameters -contains $p.Name) { continue }
        $positions = @($p.ParameterSets.Values | ForEach-Object { $_.Position } | Where-Object { $_ -ge 0 })
        $parameters[$p.Name] = [ordered]@{
            type = $p.ParameterType.FullName
            position = if ($positions.Count) { $positions[0] } else { $null }
            mandatory = @($p.ParameterSets.Values | Where-Object { $_.IsMandatory }).Count -gt 0
        }
    }
    $commands[$name] = [ordered]@{ commandType = $command.CommandType.ToString(); moduleName = $command.ModuleName; parameters = $parameters }
}

$results = [System.Collections.Generic.List[object]]::new()
foreach ($case in $spec.cases) {
    # The node is a variable of the session, as the real harness sets it.
    $global:HciTestNode = $case.node
    $parameters = @{}
    if ($case.parameters) { foreach ($p in $case.parameters.GetEnumerator()) { $parameters[$p.Key] = $p.Value } }
    $caseErrors = $null
    $terminating = $null
    $objects = @()
    try {
        $objects = @(& $case.command @parameters -ErrorVariable caseErrors -ErrorAction SilentlyContinue)
    } catch {
        $terminating = ConvertTo-ErrorJson $_
    }
    $json = foreach ($o in $objects) {
        $h = [ordered]@{}
        foreach ($p in $o.PSObject.Properties) { $h[$p.Name] = $p.Value }
        ConvertTo-Json -InputObject $h -Depth 6 -Compress
    }
    $results.Add([ordered]@{
            objects = @($json)
            errors = @(foreach ($e in @($caseErrors)) { if ($e -is [System.Management.Automation.ErrorRecord]) { ConvertTo-ErrorJson $e } })
            terminating = $terminating
        })
}

# The Hang hook: a command blocks; Stop() ends the 'stop' mode and not the 'ignoreStop' one.
$hangs = [System.Collections.Generic.List[object]]::new()
foreach ($hang in @($spec.hang)) {
    if (-not $hang) { continue }
    $env:HCI_TEST_HANG_CMDLET = $hang.command
    $env:HCI_TEST_HANG_MODE = $hang.mode
    $marker = Join-Path ([System.IO.Path]::GetTempPath()) "hci-hang-$([guid]::NewGuid()).txt"
    $env:HCI_TEST_HANG_MARKER = $marker
    $ps = [powershell]::Create()
    [void]$ps.AddScript("`$HciTestNode = '$($hang.node)'; Import-Module $($hang.module); $($hang.command)")
    $invocation = $ps.BeginInvoke()
    # Stop only once the command blocks (its marker is written): a Stop() during
    # Import-Module on a loaded machine would end the script before the hang began.
    while (-not (Test-Path -LiteralPath $marker) -and -not $invocation.IsCompleted) { Start-Sleep -Milliseconds 20 }
    $blocked = -not $invocation.AsyncWaitHandle.WaitOne([int]$hang.blockMs)
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    $stop = $ps.BeginStop($null, $null)
    $stopped = $stop.AsyncWaitHandle.WaitOne([int]$hang.stopWaitMs)
    $hangs.Add([ordered]@{ blocked = $blocked; stopped = $stopped; stopMs = $watch.ElapsedMilliseconds; state = $ps.InvocationStateInfo.State.ToString() })
    if ($stopped) { $ps.Dispose() }
    Remove-Item Env:HCI_TEST_HANG_CMDLET, Env:HCI_TEST_HANG_MODE, Env:HCI_TEST_HANG_MARKER
    Remove-Item -LiteralPath $marker -ErrorAction SilentlyContinue
}

$output = [ordered]@{ commands = $commands; cases = $results; hang = $hangs }
Set-Content -LiteralPath $OutputPath -Value (ConvertTo-Json -InputObject $output -Depth 10 -Compress) -Encoding utf8NoBOM
# A thread asleep in an 'ignoreStop' hang would keep the process alive.
[Environment]::Exit(0)
