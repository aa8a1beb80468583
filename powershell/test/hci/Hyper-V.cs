// Stand-ins for the Hyper-V module's cmdlets. TEST ONLY: see
// powershell/test/Build-HciTestModules.ps1. Class names are the real ones
// (Microsoft.HyperV.PowerShell.Commands.GetVM, Microsoft.Vhd.PowerShell.Cmdlets.GetVHD),
// so the FullyQualifiedErrorIds are the real ones.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using HciTest;

namespace Microsoft.HyperV.PowerShell
{
    /// <summary>The real -SwitchType type.</summary>
    public enum VMSwitchType { Private = 0, Internal = 1, External = 2 }

    public abstract class HyperVCmdletBase : HciCmdletBase
    {
        /// <summary>The Hyper-V cmdlets fail on a node whose Virtual Machine Management service is stopped.</summary>
        protected override void Run()
        {
            if (HciData.ServiceStatus(Node, "vmms") == "Stopped")
            {
                ThrowTerminatingError(Error(
                    "Hyper-V encountered an error trying to access an object on computer '" + Node + "' because the object was not found. The object might have been deleted. Verify that the Virtual Machine Management service on the computer is running.",
                    "ObjectNotFound", ErrorCategory.ObjectNotFound, "VirtualizationException", null));
            }
            RunHyperV();
        }

        protected abstract void RunHyperV();

        protected ErrorRecord NotFound(string kind, string name)
        {
            return Error("Hyper-V was unable to find a " + kind + " with name \"" + name + "\".",
                "InvalidParameter", ErrorCategory.InvalidArgument, "VirtualizationException", name);
        }
    }
}

namespace Microsoft.HyperV.PowerShell.Commands
{
    [Cmdlet(VerbsCommon.Get, "VM")]
    public class GetVM : Microsoft.HyperV.PowerShell.HyperVCmdletBase
    {
        [Parameter(Position = 0)]
        public string[] Name { get; set; }

        protected override void RunHyperV()
        {
            Write(ByName(Objects("Get-VM"), "Name", Name, n => NotFound("virtual machine", n)));
        }
    }

    [Cmdlet(VerbsCommon.Get, "VMHost")]
    public class GetVMHost : Microsoft.HyperV.PowerShell.HyperVCmdletBase
    {
        protected override void RunHyperV() { Write(Objects("Get-VMHost")); }
    }

    [Cmdlet(VerbsCommon.Get, "VMSwitch")]
    public class GetVMSwitch : Microsoft.HyperV.PowerShell.HyperVCmdletBase
    {
        [Parameter(Position = 0)]
        public string[] Name { get; set; }

        [Parameter]
        public Microsoft.HyperV.PowerShell.VMSwitchType[] SwitchType { get; set; }

        protected override void RunHyperV()
        {
            IEnumerable<Dictionary<string, object>> switches = Objects("Get-VMSwitch");
            if (SwitchType != null)
            {
                switches = switches.Where(s => SwitchType.Any(t => SameEnumValue(HciData.Str(s, "SwitchType"), t.ToString())));
            }
            Write(ByName(switches, "Name", Name, n => NotFound("virtual switch", n)));
        }
    }
}

namespace Microsoft.Vhd.PowerShell.Cmdlets
{
    [Cmdlet(VerbsCommon.Get, "VHD")]
    public class GetVHD : Microsoft.HyperV.PowerShell.HyperVCmdletBase
    {
        [Parameter(Position = 0, Mandatory = true)]
        public string[] Path { get; set; }

        /// <summary>Paths compare exactly, without case (the simulator's rule; the real cmdlet also resolves relative paths).</summary>
        protected override void RunHyperV()
        {
            var vhds = Objects("vhds");
            foreach (string path in Path)
            {
                var vhd = vhds.FirstOrDefault(v => string.Equals(HciData.Str(v, "Path"), path, StringComparison.OrdinalIgnoreCase));
                if (vhd == null)
                {
                    WriteError(Error("Getting the mounted storage instance for the path '" + path + "' failed.\nThe system cannot find the file specified.",
                        "ObjectNotFound", ErrorCategory.ObjectNotFound, "VirtualizationException", path));
                    continue;
                }
                WriteObject(HciData.ToPS(vhd));
            }
        }
    }
}
