// Stand-ins for Get-/Start-/Stop-/Restart-Service, in a module of their own
// (HciTest.Services): the real ones are in Microsoft.PowerShell.Management,
// a core module that always loads from $PSHOME and has no service cmdlets on
// Linux. TEST ONLY: see powershell/test/Build-HciTestModules.ps1. The class
// names are the real ones, so the FullyQualifiedErrorIds are the real ones.
//
// Services change in memory, per node, for the whole process (HciData.ServiceStates),
// the way the simulator changes them: Start-Service starts the services a
// service depends on first; Stop-Service and Restart-Service refuse a service
// with a running dependent (there is no -Force), dependents of dependents included.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using HciTest;

namespace Microsoft.PowerShell.Commands
{
    public abstract class ServiceCmdletBase : HciCmdletBase
    {
        protected List<Dictionary<string, object>> Definitions() { return HciData.ServiceObjects(Node); }

        protected Dictionary<string, object> Definition(string name)
        {
            return Definitions().FirstOrDefault(d => string.Equals(HciData.Str(d, "Name"), name, StringComparison.OrdinalIgnoreCase));
        }

        protected IEnumerable<string> Strings(Dictionary<string, object> d, string key)
        {
            return HciData.List(HciData.Get(d, key)).OfType<string>();
        }

        protected string Status(string name) { return HciData.ServiceStatus(Node, name) ?? "Stopped"; }

        protected ErrorRecord NotFound(string name)
        {
            return Error("Cannot find any service with service name '" + name + "'.",
                "NoServiceFoundForGivenName", ErrorCategory.ObjectNotFound, "ServiceCommandException", name);
        }

        /// <summary>The named services (the -Name patterns), with an error per name that matches none.</summary>
        protected List<string> Targets(string[] names)
        {
            return ByName(Definitions(), "Name", names, NotFound).Select(d => HciData.Str(d, "Name")).ToList();
        }

        protected void StartService(string name)
        {
            foreach (string required in Strings(Definition(name), "ServicesDependedOn")) StartService(required);
            if (Definition(name) == null || Status(name) == "Running") return;
            HciData.SetServiceStatus(Node, HciData.Str(Definition(name), "Name"), "Running");
        }

        /// <summary>The running services that depend on name, dependents of dependents included.</summary>
        protected List<string> RunningDependents(string name)
        {
            var output = new List<string>();
            Action<string> visit = null;
            visit = n =>
            {
                foreach (string d in Strings(Definition(n), "DependentServices"))
                {
                    visit(d);
                    if (Status(d) == "Running" && !output.Contains(d)) output.Add(d);
                }
            };
            visit(name);
            return output;
        }

        /// <summary>Stop-Service and Restart-Service without -Force: a service with a running dependent is refused.</summary>
        protected void StopServices(string[] names, bool restart)
        {
            foreach (string name in Targets(names))
            {
                if (RunningDependents(name).Count > 0)
                {
                    string display = HciData.Str(Definition(name), "DisplayName") ?? name;
                    WriteError(Error(
                        "Cannot stop service '" + display + " (" + name + ")' because it has dependent services. It can only be stopped if the Force flag is set.",
                        "ServiceHasDependentServices", ErrorCategory.InvalidOperation, "ServiceCommandException", null,
                        "System.ServiceProcess.ServiceController", "ServiceController"));
                    continue;
                }
                HciData.SetServiceStatus(Node, name, "Stopped");
                if (restart) StartService(name);
            }
        }
    }

    [Cmdlet(VerbsCommon.Get, "Service")]
    public class GetServiceCommand : ServiceCmdletBase
    {
        [Parameter(Position = 0)]
        public string[] Name { get; set; }

        protected override void Run()
        {
            var services = Definitions().Select(d =>
            {
                var o = HciData.Copy(d);
                string status = Status(HciData.Str(d, "Name"));
                o["Status"] = status;
                o["CanStop"] = status == "Running";
                return o;
            });
            Write(ByName(services, "Name", Name, NotFound));
        }
    }

    [Cmdlet(VerbsLifecycle.Start, "Service")]
    public class StartServiceCommand : ServiceCmdletBase
    {
        [Parameter(Position = 0, Mandatory = true)]
        public string[] Name { get; set; }

        protected override void Run()
        {
            foreach (string name in Targets(Name)) StartService(name);
        }
    }

    [Cmdlet(VerbsLifecycle.Stop, "Service")]
    public class StopServiceCommand : ServiceCmdletBase
    {
        [Parameter(Position = 0, Mandatory = true)]
        public string[] Name { get; set; }

        protected override void Run() { StopServices(Name, false); }
    }

    [Cmdlet(VerbsLifecycle.Restart, "Service")]
    public class RestartServiceCommand : ServiceCmdletBase
    {
        [Parameter(Position = 0, Mandatory = true)]
        public string[] Name { get; set; }

        protected override void Run() { StopServices(Name, true); }
    }
}
