@{
  RootModule           = 'AzStackHCI.RemoteSupport.psm1'
  ModuleVersion        = '1.1.0'
  GUID                 = '5d0f3c51-7a8e-4c36-9b0e-2f64a1c8d7e3'
  Author               = 'Remote Support for Azure Stack HCI'
  CompanyName          = 'Remote Support for Azure Stack HCI'
  Copyright            = '(c) Remote Support for Azure Stack HCI. MIT License.'
  Description          = 'Remote support for Azure Stack HCI: grant, revoke and audit just-in-time support access through the remote support gateway.'
  PowerShellVersion    = '5.1'
  CompatiblePSEditions = @('Desktop', 'Core')
  FormatsToProcess     = @('AzStackHCI.RemoteSupport.format.ps1xml')
  FunctionsToExport    = @(
    'Get-AzStackHCIRemoteSupportStatus',
    'Test-AzStackHCIRemoteSupportPrerequisite',
    'Get-AzStackHCIRemoteSupportTerms',
    'Get-AzStackHCIRemoteSupportCommand',
    'Install-AzStackHCIRemoteSupport',
    'Remove-AzStackHCIRemoteSupport',
    'Get-AzStackHCIRemoteSupportOperation',
    'Enable-AzStackHCIRemoteSupport',
    'Disable-AzStackHCIRemoteSupport',
    'Get-AzStackHCIRemoteSupportAccess',
    'Get-AzStackHCIRemoteSupportSessionHistory',
    'Stop-AzStackHCIRemoteSupportSession',
    'Test-AzStackHCIRemoteSupportTranscript',
    'Export-AzStackHCIRemoteSupportTranscript',
    'Search-AzStackHCIRemoteSupportTranscript',
    'Set-AzStackHCIRemoteSupportGateway',
    'Get-AzStackHCIRemoteSupportAccessRequest',
    'Approve-AzStackHCIRemoteSupportAccessRequest',
    'Deny-AzStackHCIRemoteSupportAccessRequest',
    'Send-AzStackHCIRemoteSupportAccessRequestQuestion',
    'Get-AzStackHCIRemoteSupportRepairApproval',
    'Approve-AzStackHCIRemoteSupportRepair',
    'Deny-AzStackHCIRemoteSupportRepair',
    'Get-AzStackHCIRemoteSupportDenyList',
    'Set-AzStackHCIRemoteSupportDenyList',
    'Get-AzStackHCIRemoteSupportRecordRead'
  )
  CmdletsToExport      = @()
  VariablesToExport    = @()
  AliasesToExport      = @()
  FileList             = @(
    'AzStackHCI.RemoteSupport.psd1',
    'AzStackHCI.RemoteSupport.psm1',
    'AzStackHCI.RemoteSupport.format.ps1xml',
    'CertificatePin.cs'
  )
  PrivateData          = @{
    PSData = @{
      Tags = @('AzureStackHCI', 'RemoteSupport', 'JEA', 'PSEdition_Desktop', 'PSEdition_Core', 'Windows', 'Linux')
    }
  }
}
