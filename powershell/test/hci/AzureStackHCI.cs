// Stand-in for the AzureStackHCI module's Get-AzureStackHCI cmdlet. TEST
// ONLY: see powershell/test/Build-HciTestModules.ps1.
using System.Management.Automation;
using HciTest;

namespace Microsoft.AzureStackHCI.PowerShell
{
    [Cmdlet(VerbsCommon.Get, "AzureStackHCI")]
    public class GetAzureStackHCICommand : HciCmdletBase
    {
        protected override void Run() { Write(Objects("Get-AzureStackHCI")); }
    }
}
