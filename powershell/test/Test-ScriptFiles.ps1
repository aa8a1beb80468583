<#
.SYNOPSIS
  Test tool: parses PowerShell files with PowerShell's own parser and reports what each one runs.
.DESCRIPTION
  Input (stdin, JSON): { "files": ["/path/a.ps1", ...] }.
  Output (stdout, JSON): [{ path, errors: [{ line, message }], commands: [names], methods: [names] }]:
  the parse errors, the names of the commands the file calls (bare-word command names) and the
  names of the .NET methods it invokes, so the tests can check what a shipped script may never do.
#>
[CmdletBinding()]
param()
$ErrorActionPreference = 'Stop'

$request = [Console]::In.ReadToEnd() | ConvertFrom-Json
$reports = @(foreach ($path in @($request.files)) {
  $tokens = $null
  $errors = $null
  $ast = [System.Management.Automation.Language.Parser]::ParseFile($path, [ref] $tokens, [ref] $errors)
  $commands = @($ast.FindAll({ param($node) $node -is [System.Management.Automation.Language.CommandAst] }, $true) |
    ForEach-Object { $_.GetCommandName() } | Where-Object { $_ } | Sort-Object -Unique)
  $methods = @($ast.FindAll({ param($node) $node -is [System.Management.Automation.Language.InvokeMemberExpressionAst] }, $true) |
    ForEach-Object { [string] $_.Member } | Sort-Object -Unique)
  [ordered]@{
    path = $path
    errors = @(foreach ($e in @($errors)) { [ordered]@{ line = $e.Extent.StartLineNumber; message = $e.Message } })
    commands = $commands
    methods = $methods
  }
})
ConvertTo-Json -InputObject $reports -Depth 5 -Compress
