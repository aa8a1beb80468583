#Requires -Version 7.0
<#
.SYNOPSIS
    Tells what PowerShell's own parser sees in command lines, one line at a time.

.DESCRIPTION
    A long-lived helper for the parser agreement test of the gateway's command
    check (gateway-plugin/test/parser-agreement.test.ts, bench/parser-agreement.mjs).

    It reads requests from standard input, one JSON object per line:

        {"id":1,"line":"Get-VM -Name web01"}

    parses each line with [System.Management.Automation.Language.Parser]::ParseInput
    and writes one compressed JSON line per request to standard output, in the
    order of the requests:

        {"id":1,"errors":[],"statements":1,"otherBlocks":false,"statement":"PipelineAst",
         "pipelineElements":1,"background":false,"command":{"invocationOperator":"Unknown",
         "redirections":0,"name":{...},"elements":[{...},...]}}

    Nothing in a line is evaluated: the parser is the only reader of its text.
    Each element after the command name is a CommandParameterAst
    ({"kind":"parameter","name":..,"argument":<element or null>}) or an argument
    expression ({"kind":"argument",...}) described by Get-ElementView: its AST
    type, and for constants the value PowerShell would bind to a [string]
    parameter. Anything that is not a constant is reported by its type only,
    so that the test fails on it.

    A request that cannot be read or answered gets {"id":..,"internalError":".."}.
    The script ends at the end of its input.
#>
[CmdletBinding()]
param()

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$Invariant = [System.Globalization.CultureInfo]::InvariantCulture
# Compact JSON with every character outside ASCII escaped, so that the answer is plain ASCII whatever the line held.
$JsonOptions = [System.Text.Json.JsonSerializerOptions]::new()
$JsonOptions.WriteIndented = $false
$JsonOptions.MaxDepth = 16

function ConvertTo-InvariantText {
    <# The text a [string] parameter would receive for a constant: PowerShell's own conversion, in the invariant culture. #>
    [OutputType([string])]
    param([AllowNull()][object] $Value)
    if ($null -eq $Value) { return $null }
    return [System.Management.Automation.LanguagePrimitives]::ConvertTo($Value, [string], $Invariant)
}

function Get-ElementView {
    <# Describes one argument expression: its AST type and, for constants, the value PowerShell binds. #>
    [OutputType([System.Collections.Specialized.OrderedDictionary])]
    param([Parameter(Mandatory)][System.Management.Automation.Language.Ast] $Ast)

    $view = [ordered]@{ kind = 'argument'; type = $Ast.GetType().Name }
    # StringConstantExpressionAst derives from ConstantExpressionAst: test it first.
    if ($Ast -is [System.Management.Automation.Language.StringConstantExpressionAst]) {
        $view.stringConstantType = $Ast.StringConstantType.ToString()
        $view.value = $Ast.Value
        $view.netType = 'System.String'
        $view.text = $Ast.Value
    }
    elseif ($Ast -is [System.Management.Automation.Language.ConstantExpressionAst]) {
        $value = $Ast.Value
        $view.netType = if ($null -eq $value) { $null } else { $value.GetType().FullName }
        $view.text = ConvertTo-InvariantText -Value $value
    }
    elseif ($Ast -is [System.Management.Automation.Language.ArrayLiteralAst]) {
        $view.elements = @(foreach ($element in $Ast.Elements) { Get-ElementView -Ast $element })
    }
    else {
        # Expandable strings, variables, subexpressions, parentheses, script blocks, ...: by type only.
        $view.extent = $Ast.Extent.Text
    }
    return $view
}

function Get-CommandView {
    <# Describes one CommandAst: how it is invoked, its name element, and every later element in order. #>
    [OutputType([System.Collections.Specialized.OrderedDictionary])]
    param([Parameter(Mandatory)][System.Management.Automation.Language.CommandAst] $Command)

    $first = $Command.CommandElements[0]
    $name = [ordered]@{ type = $first.GetType().Name; bareWord = $false; value = $null }
    if ($first -is [System.Management.Automation.Language.StringConstantExpressionAst]) {
        $name.bareWord = $first.StringConstantType -eq [System.Management.Automation.Language.StringConstantType]::BareWord
        $name.value = $first.Value
    }
    $elements = [System.Collections.Generic.List[object]]::new()
    for ($i = 1; $i -lt $Command.CommandElements.Count; $i++) {
        $element = $Command.CommandElements[$i]
        if ($element -is [System.Management.Automation.Language.CommandParameterAst]) {
            $argument = if ($null -eq $element.Argument) { $null } else { Get-ElementView -Ast $element.Argument }
            $elements.Add([ordered]@{ kind = 'parameter'; name = $element.ParameterName; argument = $argument })
        }
        else {
            $elements.Add((Get-ElementView -Ast $element))
        }
    }
    return [ordered]@{
        invocationOperator = $Command.InvocationOperator.ToString()
        redirections       = $Command.Redirections.Count
        name               = $name
        elements           = $elements.ToArray()
    }
}

function Get-LineView {
    <# Parses one line and describes what PowerShell sees in it. #>
    [OutputType([System.Collections.Specialized.OrderedDictionary])]
    param([Parameter(Mandatory)][AllowEmptyString()][string] $Line)

    $tokens = $null
    $parseErrors = $null
    $ast = [System.Management.Automation.Language.Parser]::ParseInput($Line, [ref] $tokens, [ref] $parseErrors)

    $statements = @($ast.EndBlock.Statements)
    $otherBlocks = ($null -ne $ast.ParamBlock) -or ($null -ne $ast.BeginBlock) -or ($null -ne $ast.ProcessBlock) -or
        ($null -ne $ast.CleanBlock) -or ($null -ne $ast.DynamicParamBlock) -or ($ast.UsingStatements.Count -gt 0) -or
        ($null -ne $ast.EndBlock.Traps -and $ast.EndBlock.Traps.Count -gt 0)
    $view = [ordered]@{
        errors          = @(foreach ($e in $parseErrors) { [ordered]@{ id = $e.ErrorId; message = $e.Message; offset = $e.Extent.StartOffset } })
        statements      = $statements.Count
        otherBlocks     = $otherBlocks
        statement       = $null
        pipelineElements = 0
        background      = $false
        command         = $null
    }
    if ($statements.Count -ne 1) { return $view }
    $statement = $statements[0]
    $view.statement = $statement.GetType().Name
    if ($statement -isnot [System.Management.Automation.Language.PipelineAst]) { return $view }
    $view.pipelineElements = $statement.PipelineElements.Count
    $view.background = $statement.Background
    if ($statement.PipelineElements.Count -eq 1 -and $statement.PipelineElements[0] -is [System.Management.Automation.Language.CommandAst]) {
        $view.command = Get-CommandView -Command $statement.PipelineElements[0]
    }
    return $view
}

function Write-Answer {
    param([Parameter(Mandatory)][System.IO.TextWriter] $Writer, [Parameter(Mandatory)][System.Collections.Specialized.OrderedDictionary] $Answer)
    $Writer.Write([System.Text.Json.JsonSerializer]::Serialize($Answer, [System.Collections.Specialized.OrderedDictionary], $JsonOptions))
    $Writer.Write("`n")
}

function Invoke-ReadLoop {
    <# Answers every request on standard input, in order, until the input ends. #>
    $utf8 = [System.Text.UTF8Encoding]::new($false)
    $reader = [System.IO.StreamReader]::new([Console]::OpenStandardInput(), $utf8, $false, 65536)
    $writer = [System.IO.StreamWriter]::new([Console]::OpenStandardOutput(), $utf8, 65536)
    $writer.AutoFlush = $true
    $writer.NewLine = "`n"
    try {
        while ($null -ne ($text = $reader.ReadLine())) {
            if ($text.Length -eq 0) { continue }
            $id = $null
            try {
                $request = [System.Text.Json.JsonDocument]::Parse($text)
                try {
                    $root = $request.RootElement
                    $idProperty = [System.Text.Json.JsonElement]::new()
                    $lineProperty = [System.Text.Json.JsonElement]::new()
                    if ($root.TryGetProperty('id', [ref] $idProperty) -and $idProperty.ValueKind -eq 'Number') { $id = $idProperty.GetInt64() }
                    if (-not $root.TryGetProperty('line', [ref] $lineProperty) -or $lineProperty.ValueKind -ne 'String') { throw 'The request has no "line" string.' }
                    $line = $lineProperty.GetString()
                }
                finally {
                    $request.Dispose()
                }
                $answer = [ordered]@{ id = $id }
                $view = Get-LineView -Line $line
                foreach ($key in $view.Keys) { $answer[$key] = $view[$key] }
            }
            catch {
                $answer = [ordered]@{ id = $id; internalError = $_.Exception.Message }
            }
            Write-Answer -Writer $writer -Answer $answer
        }
    }
    finally {
        $writer.Dispose()
        $reader.Dispose()
    }
}

Invoke-ReadLoop
