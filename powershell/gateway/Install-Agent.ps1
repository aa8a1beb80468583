<#
.SYNOPSIS
  Remote Support for Azure Stack HCI: installs the agent (the JEA endpoints) on one node.
.DESCRIPTION
  Request (stdin, JSON): {protocol: 1, operation: 'install', node, moduleDirectory, files: [{path, content}],
  nodeModule: {directory, files: [{path, content}]}, nodeConfig: {directory, gatewayJson, credential} or null,
  configurations: [{name, path}], manifestPath, transcriptDirectory, winrmTimeoutMs, deadlineMs}.
  Steps, each reported as {"frame":"step","step":...} before it starts:
    check     the node's WinRM answers
    copy      the JEA files are written under the module folder (nothing outside it)
    secure    the JEA transcript folder exists and only Administrators and SYSTEM can read it
    module    the AzStackHCI.RemoteSupport module replaces its folder (exactly its files), and the module's
              gateway.json and the machine credential go to its configuration folder, which only
              Administrators and SYSTEM can read (mode 0700/0600 where the node is not Windows)
    register  one session configuration per access level (registering restarts WinRM)
    verify    every configuration is registered, and the module's version is read back
  Answer: {"frame":"done","version":...}, or {"frame":"fatal","error":{...}} and exit code 1.
.PARAMETER TransportModule
  How nodes are reached: RemoteSupport.WinRM.psm1 in production.
#>
[CmdletBinding()]
param(
  [Parameter(Mandatory)] [string] $TransportModule
)
. (Join-Path $PSScriptRoot 'Initialize-GatewayScript.ps1') $TransportModule

# Protected (no inherited entries), full control for SYSTEM and Administrators, nobody else:
# JEA transcripts hold every command and its output.
$transcriptSddl = 'D:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)'
# The same for the module's configuration folder (it holds the machine credential), and each file in it.
$configSddl = $transcriptSddl
$configFileSddl = 'D:PAI(A;;FA;;;SY)(A;;FA;;;BA)'

# The script blocks below run on the node. They are fixed text; everything they act on is an argument.
$copyFiles = {
  param([string] $Directory, [object[]] $Files)
  $ErrorActionPreference = 'Stop'
  $prefix = $Directory + '\'
  foreach ($file in $Files) {
    $path = [string] $file.Path
    $inside = $path.StartsWith($prefix, [System.StringComparison]::OrdinalIgnoreCase)
    foreach ($segment in $path.Substring([Math]::Min($prefix.Length, $path.Length)).Split('\')) {
      if ($segment -notmatch '^[A-Za-z0-9]([A-Za-z0-9 ._-]{0,98}[A-Za-z0-9])?\z') { $inside = $false }
    }
    if ($path -notmatch '\.(psd1|psrc|pssc)\z') { $inside = $false }
    if (-not $inside) { throw ('Refused to write ' + $path + ': agent files go under ' + $prefix) }
  }
  foreach ($file in $Files) {
    $path = [string] $file.Path
    $folder = $path.Substring(0, $path.LastIndexOf('\'))
    $null = New-Item -ItemType Directory -Path $folder -Force
    Set-Content -LiteralPath $path -Value ([string] $file.Content) -Encoding UTF8 -NoNewline
  }
}
$secureTranscripts = {
  param([string] $Directory, [string] $Sddl)
  $ErrorActionPreference = 'Stop'
  $null = New-Item -ItemType Directory -Path $Directory -Force
  $acl = Get-Acl -LiteralPath $Directory
  $acl.SetSecurityDescriptorSddlForm($Sddl, 'Access')
  Set-Acl -LiteralPath $Directory -AclObject $acl
  [string] (Get-Acl -LiteralPath $Directory).GetSecurityDescriptorSddlForm('Access')
}
$installModule = {
  param([string] $ModuleDirectory, [object[]] $ModuleFiles, [string] $ConfigDirectory, [string] $GatewayJson, [string] $Credential, [string] $FolderSddl, [string] $FileSddl)
  $ErrorActionPreference = 'Stop'
  $onWindows = [System.Environment]::OSVersion.Platform -eq [System.PlatformID]::Win32NT
  # The folders are fixed; on a Windows node they must be where PowerShell and the module look.
  if ($ModuleDirectory -cne 'C:\Program Files\WindowsPowerShell\Modules\AzStackHCI.RemoteSupport') { throw ('Refused: ' + $ModuleDirectory + ' is not the module folder') }
  if ($ConfigDirectory -cne 'C:\ProgramData\AzStackHCI.RemoteSupport') { throw ('Refused: ' + $ConfigDirectory + ' is not the module configuration folder') }
  if ($onWindows -and ($env:ProgramFiles -ne 'C:\Program Files' -or $env:ProgramData -ne 'C:\ProgramData')) {
    throw ('This node keeps Program Files at ' + $env:ProgramFiles + ' and ProgramData at ' + $env:ProgramData + '; the module is installed only where they are C:\Program Files and C:\ProgramData.')
  }
  $prefix = $ModuleDirectory + '\'
  foreach ($file in $ModuleFiles) {
    $path = [string] $file.Path
    $ok = $path.StartsWith($prefix, [System.StringComparison]::OrdinalIgnoreCase) -and
      ($path.Substring([Math]::Min($prefix.Length, $path.Length)) -match '^[A-Za-z0-9]([A-Za-z0-9 ._-]{0,98}[A-Za-z0-9])?\z') -and
      ($path -match '\.(psd1|psm1|format\.ps1xml|cs)\z')
    if (-not $ok) { throw ('Refused to write ' + $path + ': module files are .psd1, .psm1, .format.ps1xml and .cs files directly in ' + $prefix) }
  }
  $utf8 = New-Object System.Text.UTF8Encoding -ArgumentList $false
  $local = { param([string] $Path) $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Path) }
  $written = @()
  if ($ModuleFiles.Count -gt 0) {
    # Exactly the module's files: whatever an older version left goes first.
    if (Test-Path -LiteralPath $ModuleDirectory) { Remove-Item -LiteralPath $ModuleDirectory -Recurse -Force }
    $null = New-Item -ItemType Directory -Path $ModuleDirectory -Force
    foreach ($file in $ModuleFiles) {
      [System.IO.File]::WriteAllText((& $local ([string] $file.Path)), [string] $file.Content, $utf8)
      $written += [string] $file.Path
    }
  }
  $acl = [ordered]@{}
  if ($GatewayJson) {
    $null = New-Item -ItemType Directory -Path $ConfigDirectory -Force
    # The folder is closed before the credential is written, so the file never exists readable by others.
    $folderAcl = Get-Acl -LiteralPath $ConfigDirectory
    $folderAcl.SetSecurityDescriptorSddlForm($FolderSddl, 'Access')
    Set-Acl -LiteralPath $ConfigDirectory -AclObject $folderAcl
    if (-not $onWindows) { [System.IO.File]::SetUnixFileMode((& $local $ConfigDirectory), [System.IO.UnixFileMode] 'UserRead, UserWrite, UserExecute') }
    $acl[$ConfigDirectory] = [string] (Get-Acl -LiteralPath $ConfigDirectory).GetSecurityDescriptorSddlForm('Access')
    foreach ($entry in @(@('gateway.json', $GatewayJson), @('machine-credential', $Credential))) {
      $path = $ConfigDirectory + '\' + $entry[0]
      [System.IO.File]::WriteAllText((& $local $path), [string] $entry[1], $utf8)
      $fileAcl = Get-Acl -LiteralPath $path
      $fileAcl.SetSecurityDescriptorSddlForm($FileSddl, 'Access')
      Set-Acl -LiteralPath $path -AclObject $fileAcl
      if (-not $onWindows) { [System.IO.File]::SetUnixFileMode((& $local $path), [System.IO.UnixFileMode] 'UserRead, UserWrite') }
      $acl[$path] = [string] (Get-Acl -LiteralPath $path).GetSecurityDescriptorSddlForm('Access')
      $written += $path
    }
  }
  [pscustomobject]@{ Written = [string[]] $written; Acl = $acl }
}
$registerConfigurations = {
  param([object[]] $Configurations)
  $ErrorActionPreference = 'Stop'
  for ($i = 0; $i -lt $Configurations.Count; $i++) {
    $name = [string] $Configurations[$i].Name
    if ($null -ne (Get-PSSessionConfiguration -Name $name -ErrorAction SilentlyContinue)) {
      Unregister-PSSessionConfiguration -Name $name -NoServiceRestart -Force
    }
    # WinRM restarts once, with the last one; that may cut this very connection.
    $null = Register-PSSessionConfiguration -Name $name -Path ([string] $Configurations[$i].Path) -NoServiceRestart:($i -lt $Configurations.Count - 1) -Force
  }
}
$verifyConfigurations = {
  param([string[]] $Names, [string] $ManifestPath)
  $ErrorActionPreference = 'Stop'
  foreach ($name in $Names) {
    if ($null -eq (Get-PSSessionConfiguration -Name $name -ErrorAction SilentlyContinue)) { throw ('The ' + $name + ' session configuration is not registered.') }
  }
  [string] (Import-PowerShellDataFile -LiteralPath $ManifestPath).ModuleVersion
}

$stage = 'input'
$exitCode = 0
try {
  $request = Read-Request 'install'
  $node = [string] $request.node
  Assert-NodeName $node
  $moduleDirectory = [string] $request.moduleDirectory
  $files = @($request.files)
  if ($files.Count -eq 0) { throw 'The request carries no files.' }
  $seen = @{}
  $plainFiles = @(foreach ($file in $files) {
    $path = [string] $file.path
    Assert-AgentPath $moduleDirectory $path
    if ($file.content -isnot [string]) { throw ('The content of ' + $path + ' is not text.') }
    if ($seen.ContainsKey($path.ToLowerInvariant())) { throw ('The request names ' + $path + ' twice.') }
    $seen[$path.ToLowerInvariant()] = $true
    [pscustomobject]@{ Path = $path; Content = [string] $file.content }
  })
  $configurations = @(foreach ($configuration in @($request.configurations)) {
    $name = [string] $configuration.name
    Assert-ConfigurationName $name
    $path = [string] $configuration.path
    if (-not $seen.ContainsKey($path.ToLowerInvariant())) { throw ('The request does not carry ' + $path) }
    [pscustomobject]@{ Name = $name; Path = $path }
  })
  if ($configurations.Count -eq 0) { throw 'The request names no session configuration.' }
  if ($null -eq $request.PSObject.Properties['nodeModule'] -or $null -eq $request.nodeModule) { throw 'The request carries no nodeModule.' }
  $nodeModule = $request.nodeModule
  $nodeModuleDirectory = [string] $nodeModule.directory
  Assert-NodeModuleDirectory $nodeModuleDirectory
  $nodeConfigDirectory = 'C:\ProgramData\AzStackHCI.RemoteSupport'
  $moduleFiles = @(foreach ($file in @($nodeModule.files)) {
    $path = [string] $file.path
    Assert-NodeModulePath $path
    if ($file.content -isnot [string]) { throw ('The content of ' + $path + ' is not text.') }
    if ($seen.ContainsKey($path.ToLowerInvariant())) { throw ('The request names ' + $path + ' twice.') }
    $seen[$path.ToLowerInvariant()] = $true
    [pscustomobject]@{ Path = $path; Content = [string] $file.content }
  })
  $gatewayJson = ''
  $credential = ''
  if ($null -ne $request.PSObject.Properties['nodeConfig'] -and $null -ne $request.nodeConfig) {
    Assert-NodeConfig $request.nodeConfig
    $nodeConfigDirectory = [string] $request.nodeConfig.directory
    $gatewayJson = [string] $request.nodeConfig.gatewayJson
    $credential = [string] $request.nodeConfig.credential
  }
  $manifestPath = [string] $request.manifestPath
  if (-not $seen.ContainsKey($manifestPath.ToLowerInvariant())) { throw ('The request does not carry ' + $manifestPath) }
  $transcriptDirectory = [string] $request.transcriptDirectory
  if ($transcriptDirectory -notmatch '^[A-Za-z]:(\\[^<>:"/\\|?*\x00-\x1f]+)+\z' -or $transcriptDirectory -match '\\\.+(\\|\z)') { throw ('Not an absolute folder without . or .. segments: ' + $transcriptDirectory) }
  $winrmTimeoutMs = [int] $request.winrmTimeoutMs
  $deadline = [DateTime]::UtcNow.AddMilliseconds([int] $request.deadlineMs)

  $stage = 'connect'
  Write-Frame ([ordered]@{ frame = 'step'; step = 'check' })
  Test-NodeConnection -Node $node

  $stage = 'invoke'
  Write-Frame ([ordered]@{ frame = 'step'; step = 'copy' })
  $null = Invoke-OnNode -Node $node -ScriptBlock $copyFiles -ArgumentList $moduleDirectory, $plainFiles -TimeoutMs $winrmTimeoutMs

  Write-Frame ([ordered]@{ frame = 'step'; step = 'secure' })
  $applied = @(Invoke-OnNode -Node $node -ScriptBlock $secureTranscripts -ArgumentList $transcriptDirectory, $transcriptSddl -TimeoutMs $winrmTimeoutMs) | Select-Object -Last 1
  if ([string] $applied -ne $transcriptSddl) { throw ('The transcript folder ' + $transcriptDirectory + ' did not take its access rules: it reads ' + $applied) }

  Write-Frame ([ordered]@{ frame = 'step'; step = 'module' })
  $module = @(Invoke-OnNode -Node $node -ScriptBlock $installModule -ArgumentList $nodeModuleDirectory, $moduleFiles, $nodeConfigDirectory, $gatewayJson, $credential, $configSddl, $configFileSddl -TimeoutMs $winrmTimeoutMs) | Select-Object -Last 1
  $expected = @($moduleFiles | ForEach-Object { $_.Path })
  if ($gatewayJson) { $expected += @(($nodeConfigDirectory + '\gateway.json'), ($nodeConfigDirectory + '\machine-credential')) }
  if ($null -eq $module -or (@($module.Written) -join '|') -cne ($expected -join '|')) { throw ('The module step on ' + $node + ' did not write every file.') }
  if ($gatewayJson) {
    foreach ($key in @($module.Acl.Keys)) {
      $want = $configFileSddl
      if ($key -eq $nodeConfigDirectory) { $want = $configSddl }
      if ([string] $module.Acl[$key] -ne $want) { throw ($key + ' did not take its access rules: it reads ' + $module.Acl[$key]) }
    }
    if (@($module.Acl.Keys).Count -ne 3) { throw ('The access rules of ' + $nodeConfigDirectory + ' were not all read back.') }
  }

  Write-Frame ([ordered]@{ frame = 'step'; step = 'register' })
  try {
    $null = Invoke-OnNode -Node $node -ScriptBlock $registerConfigurations -ArgumentList (, $configurations) -TimeoutMs $winrmTimeoutMs
  } catch {
    # WinRM restarts to load the new endpoints and may cut this connection; the verify step tells whether it took.
    if (-not (Test-TransportError $_)) { throw }
  }

  Write-Frame ([ordered]@{ frame = 'step'; step = 'verify' })
  $names = [string[]] @($configurations | ForEach-Object { $_.Name })
  $version = @(Invoke-OnNodeUntil -Node $node -ScriptBlock $verifyConfigurations -ArgumentList $names, $manifestPath -TimeoutMs $winrmTimeoutMs -Deadline $deadline) | Select-Object -Last 1
  Write-Frame ([ordered]@{ frame = 'done'; version = [string] $version })
} catch {
  Write-Frame ([ordered]@{ frame = 'fatal'; error = (ConvertTo-ErrorFrame $_ $stage) })
  $exitCode = 1
}
exit $exitCode
