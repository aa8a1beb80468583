# Test runner: reads lines from stdin, either {"text": script text} (the
# extension's commands: the request is inside the text, nothing is bound, as a
# WAC that ignores a script's `parameters` would run it) or {"script": path,
# "parameters": {...}} (the script with the parameters splatted). Prints one
# JSON line per call:
# {"output": [...strings], "error": "..."}.
$ErrorActionPreference = 'Stop'
while ($null -ne ($line = [Console]::In.ReadLine())) {
    if (-not $line.Trim()) { continue }
    $call = ConvertFrom-Json $line -AsHashtable
    try {
        if ($call.ContainsKey('text')) {
            $out = @(& ([scriptblock]::Create($call['text'])))
        }
        else {
            $parameters = $call['parameters']
            $out = @(& $call['script'] @parameters)
        }
        [Console]::Out.WriteLine((ConvertTo-Json -InputObject @{ output = @($out | ForEach-Object { [string]$_ }) } -Compress -Depth 4))
    }
    catch {
        [Console]::Out.WriteLine((ConvertTo-Json -InputObject @{ output = @(); error = $_.Exception.Message; errorId = $_.FullyQualifiedErrorId } -Compress -Depth 4))
    }
}
