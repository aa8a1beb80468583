<#
  Remote Support for Azure Stack HCI: how every gateway script starts. Dot-sourced as
  `. (Join-Path $PSScriptRoot 'Initialize-GatewayScript.ps1') $TransportModule`, so the
  preferences below apply to the calling script: errors stop it, no progress output, strict
  mode; then the shared module and the transport (how nodes are reached) are imported.
#>
param([Parameter(Mandatory)] [string] $TransportModule)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
Set-StrictMode -Version 3.0
Import-Module -Name (Join-Path $PSScriptRoot 'RemoteSupport.Gateway.psm1')
Import-Module -Name $TransportModule
