// Stand-ins for the FailoverClusters module's cmdlets. TEST ONLY: see
// powershell/test/Build-HciTestModules.ps1. The classes carry the real
// cmdlets' namespace and class names, so that the FullyQualifiedErrorIds
// PowerShell builds from them are the real ones.
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using HciTest;

namespace Microsoft.FailoverClusters.PowerShell
{
    public abstract class ClusterCmdletBase : HciCmdletBase
    {
        private string ClassName { get { return GetType().FullName; } }

        /// <summary>The failover cluster cmdlets fail on a node whose cluster service is stopped.</summary>
        protected override void Run()
        {
            if (HciData.ServiceStatus(Node, "ClusSvc") == "Stopped")
            {
                ThrowTerminatingError(Error(
                    "The cluster service is not running on " + Node + ".  Make sure that the service is running on all nodes in the cluster.",
                    "ClusterServiceNotRunning", ErrorCategory.ConnectionError, "ClusterCmdletException", Node));
            }
            RunCluster();
        }

        protected abstract void RunCluster();

        protected ErrorRecord NotFound(string kind, string name)
        {
            return Error("An error occurred while opening cluster " + kind + " '" + name + "'.\nThe cluster " + kind + " could not be found.",
                "ClusterObjectNotFound", ErrorCategory.ObjectNotFound, "ClusterCmdletException", name);
        }

        protected void WriteByName(string command, string[] names, string kind)
        {
            Write(ByName(Objects(command), "Name", names, n => NotFound(kind, n)));
        }
    }

    [Cmdlet(VerbsCommon.Get, "Cluster")]
    public class GetClusterCommand : ClusterCmdletBase
    {
        protected override void RunCluster() { Write(Objects("Get-Cluster")); }
    }

    [Cmdlet(VerbsCommon.Get, "ClusterGroup")]
    public class GetClusterGroupCommand : ClusterCmdletBase
    {
        [Parameter(Position = 0)]
        public string[] Name { get; set; }

        protected override void RunCluster() { WriteByName("Get-ClusterGroup", Name, "group"); }
    }

    [Cmdlet(VerbsCommon.Get, "ClusterNode")]
    public class GetClusterNodeCommand : ClusterCmdletBase
    {
        [Parameter(Position = 0)]
        public string[] Name { get; set; }

        protected override void RunCluster() { WriteByName("Get-ClusterNode", Name, "node"); }
    }

    [Cmdlet(VerbsCommon.Get, "ClusterResource")]
    public class GetClusterResourceCommand : ClusterCmdletBase
    {
        [Parameter(Position = 0)]
        public string[] Name { get; set; }

        protected override void RunCluster() { WriteByName("Get-ClusterResource", Name, "resource"); }
    }

    [Cmdlet(VerbsCommon.Get, "ClusterSharedVolume")]
    public class GetClusterSharedVolumeCommand : ClusterCmdletBase
    {
        [Parameter(Position = 0)]
        public string[] Name { get; set; }

        protected override void RunCluster() { WriteByName("Get-ClusterSharedVolume", Name, "shared volume"); }
    }

    [Cmdlet(VerbsCommon.Get, "ClusterOwnerNode")]
    public class GetClusterOwnerNodeCommand : ClusterCmdletBase
    {
        [Parameter]
        public string[] Group { get; set; }

        [Parameter]
        public string[] Resource { get; set; }

        protected override void RunCluster()
        {
            if ((Group != null) == (Resource != null))
            {
                ThrowTerminatingError(Error(
                    Group != null ? "Parameter set cannot be resolved using the specified named parameters." : "Specify either -Group or -Resource.",
                    "AmbiguousParameterSet", ErrorCategory.InvalidArgument, "ParameterBindingException", null));
            }
            var owners = HciData.Obj(HciData.Get(HciData.Root, "ownerNodes"));
            bool byGroup = Group != null;
            var items = HciData.List(HciData.Get(owners, byGroup ? "groups" : "resources")).Select(HciData.Obj);
            Write(ByName(items, "ClusterObject", byGroup ? Group : Resource, n => NotFound(byGroup ? "group" : "resource", n)));
        }
    }
}
