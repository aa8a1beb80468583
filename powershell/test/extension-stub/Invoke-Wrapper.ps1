# Test runner: reads {"script": path, "parameters": {...}} lines from stdin and
# runs the script with the parameters splatted, as a WAC host binds a command's
# parameters (never spliced into the text). Prints one JSON line per call:
# {"output": [...strings], "error": "..."}.
$ErrorActionPreference = 'Stop'
while ($null -ne ($line = [Console]::In.ReadLine())) {
    if (-not $line.Trim()) { continue }
    $call = ConvertFrom-Json $line -AsHashtable
    try {
        $parameters = $call['parameters']
        $out = @(& $call['script'] @parameters)
        [Console]::Out.WriteLine((ConvertTo-Json -InputObject @{ output = @($out | ForEach-Object { [string]$_ }) } -Compress -Depth 4))
    }
    catch {
        [Console]::Out.WriteLine((ConvertTo-Json -InputObject @{ output = @(); error = $_.Exception.Message; errorId = $_.FullyQualifiedErrorId } -Compress -Depth 4))
    }
}
