<#
.SYNOPSIS
  Test tool: refuses what Windows PowerShell 5.1 cannot run in files meant for both editions.
.DESCRIPTION
  Parses each file with PowerShell 7's parser (which knows the newer syntax, so it can find it) and
  walks the AST for constructs, parameters, commands, variables and types that only PowerShell 6 or 7
  has. Also refuses non-ASCII text in a file without a UTF-8 byte order mark: Windows PowerShell reads
  such a file in the system's ANSI code page.
  Input (stdin, JSON): { "files": ["/path/a.psm1", ...] }.
  Output (stdout, JSON): [{ path, problems: [{ line, construct, text }] }]; no problems means 5.1 can parse
  and run what the file uses, as far as this list knows.
#>
[CmdletBinding()]
param()
$ErrorActionPreference = 'Stop'

# Parameters that Windows PowerShell's cmdlets do not have (cmdlet => parameters).
$coreOnlyParameters = @{
  'ConvertFrom-Json'  = @('AsHashtable', 'Depth', 'NoEnumerate', 'DateKind')
  'ConvertTo-Json'    = @('AsArray', 'EnumsAsStrings', 'EscapeHandling')
  'Invoke-RestMethod' = @('SkipCertificateCheck', 'SslProtocol', 'Authentication', 'Token', 'StatusCodeVariable', 'ResponseHeadersVariable', 'SkipHeaderValidation', 'SkipHttpErrorCheck', 'Resume', 'MaximumRetryCount', 'RetryIntervalSec', 'NoProxy', 'HttpVersion', 'AllowUnencryptedAuthentication', 'Form', 'CustomMethod', 'FollowRelLink', 'MaximumFollowRelLink', 'PreserveAuthorizationOnRedirect', 'ConnectionTimeoutSeconds', 'OperationTimeoutSeconds')
  'Invoke-WebRequest' = @('SkipCertificateCheck', 'SslProtocol', 'Authentication', 'Token', 'SkipHeaderValidation', 'SkipHttpErrorCheck', 'Resume', 'MaximumRetryCount', 'RetryIntervalSec', 'NoProxy', 'HttpVersion', 'AllowUnencryptedAuthentication', 'Form', 'CustomMethod', 'PreserveAuthorizationOnRedirect', 'ConnectionTimeoutSeconds', 'OperationTimeoutSeconds')
  'Get-Content'       = @('AsByteStream')
  'Set-Content'       = @('AsByteStream')
  'Add-Content'       = @('AsByteStream')
  'Select-String'     = @('Raw', 'NoEmphasis')
  'Split-Path'        = @('LeafBase', 'Extension')
  'Join-Path'         = @('AdditionalChildPath')
  'Sort-Object'       = @('Top', 'Bottom', 'Stable')
  'Get-Date'          = @('AsUTC', 'UnixTimeSeconds')
  'Select-Object'     = @('SkipIndex')
  'Out-String'        = @('NoNewline')
  'ForEach-Object'    = @('Parallel', 'ThrottleLimit', 'TimeoutSeconds', 'AsJob', 'UseNewRunspace')
  'Import-Module'     = @('UseWindowsPowerShell', 'SkipEditionCheck')
}
$commandAliases = @{ '%' = 'ForEach-Object'; 'foreach' = 'ForEach-Object'; 'select' = 'Select-Object'; 'sort' = 'Sort-Object'; 'gc' = 'Get-Content'; 'cat' = 'Get-Content'; 'sc' = 'Set-Content'; 'iwr' = 'Invoke-WebRequest'; 'irm' = 'Invoke-RestMethod'; 'sls' = 'Select-String' }
# Commands Windows PowerShell 5.1 does not have.
$coreOnlyCommands = @('Get-Error', 'Join-String', 'Test-Json', 'ConvertFrom-Markdown', 'Show-Markdown', 'Get-MarkdownOption', 'Set-MarkdownOption', 'Get-Uptime', 'Remove-Alias', 'Remove-Service', 'Start-ThreadJob', 'ConvertTo-CliXml', 'ConvertFrom-CliXml', 'Get-SecureRandom', 'Get-ExperimentalFeature', 'Enable-ExperimentalFeature', 'Disable-ExperimentalFeature')
# Automatic variables Windows PowerShell does not set (under Set-StrictMode they are errors there).
$coreOnlyVariables = @('IsWindows', 'IsLinux', 'IsMacOS', 'IsCoreCLR', 'PSStyle', 'EnabledExperimentalFeatures', 'PSNativeCommandArgumentPassing', 'PSNativeCommandUseErrorActionPreference')
$coreOnlyTypes = @('semver', 'System.Management.Automation.SemanticVersion', 'ValidateNotNullOrWhiteSpace', 'ArgumentCompletions', 'ArgumentCompletionsAttribute', 'ValidateNotNullOrWhiteSpaceAttribute')
$coreOnlyEncodings = @('utf8NoBOM', 'utf8BOM', 'ansi')

function Resolve-ParameterName([string] $Command, [string] $Given) {
  # PowerShell accepts unambiguous prefixes: -Para for -Parallel.
  foreach ($name in $coreOnlyParameters[$Command]) {
    if ($Given.Length -ge 3 -and $name.StartsWith($Given, [StringComparison]::OrdinalIgnoreCase)) { return $name }
  }
  $null
}

$request = [Console]::In.ReadToEnd() | ConvertFrom-Json
$reports = @(foreach ($path in @($request.files)) {
  $problems = New-Object System.Collections.Generic.List[object]
  $add = { param($Extent, [string] $Construct) $problems.Add([ordered]@{ line = $Extent.StartLineNumber; construct = $Construct; text = $Extent.Text.Split("`n")[0].Trim() }) }

  $bytes = [System.IO.File]::ReadAllBytes($path)
  $bom = $bytes.Length -ge 3 -and $bytes[0] -eq 0xEF -and $bytes[1] -eq 0xBB -and $bytes[2] -eq 0xBF
  if (-not $bom) {
    for ($i = 0; $i -lt $bytes.Length; $i++) {
      if ($bytes[$i] -gt 0x7F) {
        $line = 1 + @($bytes[0..$i] | Where-Object { $_ -eq 10 }).Count
        $problems.Add([ordered]@{ line = $line; construct = 'non-ASCII text without a UTF-8 BOM'; text = 'Windows PowerShell reads the file as ANSI' })
        break
      }
    }
  }

  $tokens = $null
  $errors = $null
  $ast = [System.Management.Automation.Language.Parser]::ParseFile($path, [ref] $tokens, [ref] $errors)
  foreach ($e in @($errors)) { & $add $e.Extent ('parse error: ' + $e.Message) }

  if ($ast.ScriptRequirements) {
    $required = $ast.ScriptRequirements
    if ($required.RequiredPSVersion -and $required.RequiredPSVersion.Major -ge 6) { & $add $ast.Extent '#requires -Version 6 or later' }
    if ($required.RequiredPSEditions -and -not ($required.RequiredPSEditions -contains 'Desktop')) { & $add $ast.Extent '#requires -PSEdition Core' }
  }

  foreach ($token in @($tokens)) {
    if (($token.Kind -eq 'StringExpandable' -or $token.Kind -eq 'HereStringExpandable') -and $token.Text -match '`u\{') { & $add $token.Extent 'unicode escape `u{}' }
  }

  foreach ($node in $ast.FindAll({ $true }, $true)) {
    switch ($node.GetType().Name) {
      'TernaryExpressionAst' { & $add $node.Extent 'ternary operator ?:' }
      'PipelineChainAst' { & $add $node.Extent 'pipeline chain operator && or ||' }
      'BinaryExpressionAst' {
        if ($node.Operator -eq 'QuestionQuestion') { & $add $node.Extent 'null-coalescing operator ??' }
        if ($node.Operator -match 'replace$' -and $node.Right -is [System.Management.Automation.Language.ArrayLiteralAst] -and
          @($node.Right.Elements | Where-Object { $_ -is [System.Management.Automation.Language.ScriptBlockExpressionAst] }).Count -gt 0) {
          & $add $node.Extent '-replace with a script block'
        }
      }
      'AssignmentStatementAst' { if ([string] $node.Operator -eq 'QuestionQuestionEquals') { & $add $node.Extent 'null-coalescing assignment ??=' } }
      'MemberExpressionAst' { if ($node.NullConditional) { & $add $node.Extent 'null-conditional member access ?.' } }
      'InvokeMemberExpressionAst' { if ($node.NullConditional) { & $add $node.Extent 'null-conditional member access ?.' } }
      'IndexExpressionAst' { if ($node.NullConditional) { & $add $node.Extent 'null-conditional index ?[]' } }
      'ScriptBlockAst' { if ($node.PSObject.Properties['CleanBlock'] -and $node.CleanBlock) { & $add $node.CleanBlock.Extent 'clean {} block' } }
      'PipelineAst' { if ($node.Background) { & $add $node.Extent 'background operator &' } }
      'VariableExpressionAst' {
        $name = $node.VariablePath.UserPath
        if ($coreOnlyVariables -contains $name) { & $add $node.Extent ('automatic variable $' + $name) }
      }
      'TypeExpressionAst' { if ($coreOnlyTypes -contains $node.TypeName.FullName) { & $add $node.Extent ('type [' + $node.TypeName.FullName + ']') } }
      'TypeConstraintAst' { if ($coreOnlyTypes -contains $node.TypeName.FullName) { & $add $node.Extent ('type [' + $node.TypeName.FullName + ']') } }
      'AttributeAst' { if ($coreOnlyTypes -contains $node.TypeName.FullName) { & $add $node.Extent ('attribute [' + $node.TypeName.FullName + ']') } }
      'CommandAst' {
        $name = $node.GetCommandName()
        if (-not $name) { break }
        if ($commandAliases.ContainsKey($name)) { $name = $commandAliases[$name] }
        if ($coreOnlyCommands -contains $name) { & $add $node.Extent ('command ' + $name) }
        $elements = @($node.CommandElements)
        for ($i = 1; $i -lt $elements.Count; $i++) {
          $element = $elements[$i]
          if ($element -isnot [System.Management.Automation.Language.CommandParameterAst]) { continue }
          if ($coreOnlyParameters.ContainsKey($name)) {
            $parameter = Resolve-ParameterName $name $element.ParameterName
            if ($parameter) { & $add $element.Extent ($name + ' -' + $parameter) }
          }
          if ('Encoding'.StartsWith($element.ParameterName, [StringComparison]::OrdinalIgnoreCase) -and $element.ParameterName.Length -ge 3) {
            $value = $element.Argument
            if (-not $value -and $i + 1 -lt $elements.Count) { $value = $elements[$i + 1] }
            if ($value -is [System.Management.Automation.Language.StringConstantExpressionAst] -and $coreOnlyEncodings -contains $value.Value) {
              & $add $element.Extent ('-Encoding ' + $value.Value)
            }
          }
        }
        if ($name -eq 'Join-Path') {
          $positional = @($elements | Select-Object -Skip 1 | Where-Object { $_ -isnot [System.Management.Automation.Language.CommandParameterAst] })
          $named = @($elements | Where-Object { $_ -is [System.Management.Automation.Language.CommandParameterAst] -and -not $_.Argument })
          if ($positional.Count - $named.Count -gt 2) { & $add $node.Extent 'Join-Path with more than one child path' }
        }
      }
    }
  }
  [ordered]@{ path = $path; problems = $problems.ToArray() }
})
ConvertTo-Json -InputObject $reports -Depth 5 -Compress
