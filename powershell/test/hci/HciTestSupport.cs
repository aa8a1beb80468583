// Shared by every compiled HCI test module (compiled into each module's
// assembly). TEST ONLY: see powershell/test/Build-HciTestModules.ps1.
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text.Json;
using System.Threading;

namespace HciTest
{
    /// <summary>The snapshot written by gateway-plugin/test/helpers/hci-fixture.ts, parsed into plain .NET values.</summary>
    public static class HciData
    {
        private static readonly object Gate = new object();
        private static string loadedPath;
        private static Dictionary<string, object> root;

        public const string FixtureVariable = "HCI_TEST_FIXTURE";

        /// <summary>The snapshot named by HCI_TEST_FIXTURE, read once per process (again only if the variable names another file).</summary>
        public static Dictionary<string, object> Root
        {
            get
            {
                string path = Environment.GetEnvironmentVariable(FixtureVariable);
                if (string.IsNullOrEmpty(path)) throw new InvalidOperationException("The HCI test modules read their data from the file named by the environment variable " + FixtureVariable + ", which is not set.");
                lock (Gate)
                {
                    if (root == null || loadedPath != path)
                    {
                        using (JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path)))
                        {
                            root = (Dictionary<string, object>)FromJson(doc.RootElement);
                        }
                        loadedPath = path;
                    }
                    return root;
                }
            }
        }

        public static string FixturePath { get { return Environment.GetEnvironmentVariable(FixtureVariable) ?? ""; } }

        private static object FromJson(JsonElement e)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.Object:
                    var d = new Dictionary<string, object>(StringComparer.Ordinal);
                    foreach (JsonProperty p in e.EnumerateObject()) d[p.Name] = FromJson(p.Value);
                    return d;
                case JsonValueKind.Array:
                    return e.EnumerateArray().Select(FromJson).ToList();
                case JsonValueKind.String:
                    return e.GetString();
                case JsonValueKind.Number:
                    long l;
                    if (e.TryGetInt64(out l)) return l;
                    return e.GetDouble();
                case JsonValueKind.True:
                    return true;
                case JsonValueKind.False:
                    return false;
                default:
                    return null;
            }
        }

        public static Dictionary<string, object> Obj(object o) { return o as Dictionary<string, object>; }

        public static List<object> List(object o) { return (o as List<object>) ?? new List<object>(); }

        public static object Get(Dictionary<string, object> d, string key)
        {
            object v;
            return d != null && d.TryGetValue(key, out v) ? v : null;
        }

        public static string Str(Dictionary<string, object> d, string key) { return Get(d, key) as string; }

        /// <summary>A fresh PSObject (PSCustomObject) for a snapshot value: objects nest, lists become object[], numbers stay numbers.</summary>
        public static object ToPS(object v)
        {
            var d = v as Dictionary<string, object>;
            if (d != null)
            {
                var o = new PSObject();
                foreach (var kv in d) o.Properties.Add(new PSNoteProperty(kv.Key, ToPS(kv.Value)));
                return o;
            }
            var list = v as List<object>;
            if (list != null) return list.Select(ToPS).ToArray();
            return v;
        }

        /// <summary>A copy of a snapshot object, to change before output.</summary>
        public static Dictionary<string, object> Copy(Dictionary<string, object> d)
        {
            return new Dictionary<string, object>(d, StringComparer.Ordinal);
        }

        /// <summary>
        /// Each service's state per node, shared by every HCI test assembly in
        /// the process (AppDomain data holds only BCL types, so the FailoverClusters
        /// and Hyper-V assemblies see what HciTest.Services changed).
        /// </summary>
        public static ConcurrentDictionary<string, string> ServiceStates
        {
            get
            {
                string key = "HciTest.ServiceStates|" + FixturePath;
                lock (typeof(AppDomain))
                {
                    var states = AppDomain.CurrentDomain.GetData(key) as ConcurrentDictionary<string, string>;
                    if (states == null)
                    {
                        states = new ConcurrentDictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                        AppDomain.CurrentDomain.SetData(key, states);
                    }
                    return states;
                }
            }
        }

        /// <summary>A service's status on a node: changed in memory by the service stand-ins, else the snapshot's.</summary>
        public static string ServiceStatus(string node, string service)
        {
            return ServiceStates.GetOrAdd(node + "/" + service, _ =>
            {
                var svc = ServiceObjects(node).FirstOrDefault(s => string.Equals(Str(s, "Name"), service, StringComparison.OrdinalIgnoreCase));
                return svc == null ? null : (Str(svc, "Status") ?? "Stopped");
            });
        }

        public static void SetServiceStatus(string node, string service, string status)
        {
            ServiceStates[node + "/" + service] = status;
        }

        public static List<Dictionary<string, object>> ServiceObjects(string node)
        {
            return NodeObjects(node, "Get-Service");
        }

        public static Dictionary<string, object> NodeData(string node)
        {
            return Obj(Get(Obj(Get(Root, "nodes")), node));
        }

        /// <summary>The snapshot's objects of a command (or another list key of the node, such as "vhds").</summary>
        public static List<Dictionary<string, object>> NodeObjects(string node, string command)
        {
            var n = NodeData(node);
            object list = Get(Obj(Get(n, "commands")), command) ?? Get(n, command);
            return List(list).Select(Obj).Where(x => x != null).ToList();
        }

        public static string[] NodeNames()
        {
            var nodes = Obj(Get(Root, "nodes"));
            return nodes == null ? new string[0] : nodes.Keys.ToArray();
        }
    }

    /// <summary>What every compiled stand-in does: find the node, block when told to (the Hang hook), filter by names, write errors like the real cmdlets.</summary>
    public abstract class HciCmdletBase : PSCmdlet
    {
        private readonly ManualResetEvent stopped = new ManualResetEvent(false);

        /// <summary>The node this runspace plays, as the snapshot spells it.</summary>
        protected string Node { get; private set; }

        protected override void BeginProcessing()
        {
            object value = SessionState.PSVariable.GetValue("HciTestNode");
            if (value is PSObject) value = ((PSObject)value).BaseObject;
            string wanted = value as string;
            if (string.IsNullOrEmpty(wanted))
            {
                ThrowTerminatingError(new ErrorRecord(new InvalidOperationException("The HCI test modules need the node to play in the variable $HciTestNode."), "HciTestNodeNotSet", ErrorCategory.InvalidOperation, null));
            }
            Node = HciData.NodeNames().FirstOrDefault(n => string.Equals(n, wanted, StringComparison.OrdinalIgnoreCase));
            if (Node == null)
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("'" + wanted + "' is not a node of the HCI test fixture; the nodes are " + string.Join(", ", HciData.NodeNames()) + "."), "HciTestUnknownNode", ErrorCategory.InvalidArgument, wanted));
            }
        }

        protected override void ProcessRecord()
        {
            string mode = HangMode();
            if (mode != null) Hang(mode);
            Run();
        }

        protected abstract void Run();

        protected override void StopProcessing()
        {
            stopped.Set();
        }

        /// <summary>
        /// The Hang hook: HCI_TEST_HANG_CMDLET (a command name or *) with
        /// HCI_TEST_HANG_MODE, else the snapshot's "hang", else the node's
        /// "hang" fault. Modes: "stop" (blocks until PowerShell stops the
        /// pipeline) and "ignoreStop" (Thread.Sleep: Stop() cannot end it).
        /// </summary>
        private string HangMode()
        {
            string name = MyInvocation.MyCommand.Name;
            string env = Environment.GetEnvironmentVariable("HCI_TEST_HANG_CMDLET");
            if (!string.IsNullOrEmpty(env) && (env == "*" || string.Equals(env, name, StringComparison.OrdinalIgnoreCase)))
            {
                return Environment.GetEnvironmentVariable("HCI_TEST_HANG_MODE") ?? "stop";
            }
            var hang = HciData.Obj(HciData.Get(HciData.Root, "hang"));
            string cmd = HciData.Str(hang, "cmdlet");
            if (cmd != null && (cmd == "*" || string.Equals(cmd, name, StringComparison.OrdinalIgnoreCase)))
            {
                return HciData.Str(hang, "mode") ?? "stop";
            }
            return HciData.Get(HciData.NodeData(Node), "hang") is bool && (bool)HciData.Get(HciData.NodeData(Node), "hang") ? "stop" : null;
        }

        private void Hang(string mode)
        {
            MarkHang(MyInvocation.MyCommand.Name);
            if (string.Equals(mode, "ignoreStop", StringComparison.OrdinalIgnoreCase))
            {
                Thread.Sleep(Timeout.Infinite);
            }
            while (!Stopping) stopped.WaitOne(200);
            throw new PipelineStoppedException();
        }

        /// <summary>
        /// Appends the command's name to the file HCI_TEST_HANG_MARKER names (when set) as it
        /// starts to block, so a test waits for that moment instead of guessing it with a sleep.
        /// </summary>
        private static void MarkHang(string command)
        {
            string marker = Environment.GetEnvironmentVariable("HCI_TEST_HANG_MARKER");
            if (!string.IsNullOrEmpty(marker)) File.AppendAllText(marker, command + "\n");
        }

        protected List<Dictionary<string, object>> Objects(string command)
        {
            return HciData.NodeObjects(Node, command);
        }

        protected void Write(IEnumerable<Dictionary<string, object>> objects)
        {
            foreach (var o in objects) WriteObject(HciData.ToPS(o));
        }

        /// <summary>An error record in the real cmdlet's terms; PowerShell appends the cmdlet's class to errorId for the FullyQualifiedErrorId.</summary>
        protected static ErrorRecord Error(string message, string errorId, ErrorCategory category, string reason, object target, string targetName = null, string targetType = null)
        {
            var record = new ErrorRecord(new Exception(message), errorId, category, target);
            record.CategoryInfo.Reason = reason;
            if (targetName != null) record.CategoryInfo.TargetName = targetName;
            if (targetType != null) record.CategoryInfo.TargetType = targetType;
            return record;
        }

        /// <summary>
        /// Keeps the items whose property matches any pattern (wildcards, no
        /// case), all items when patterns is null, and writes notFound's error
        /// for each pattern without wildcards that matched nothing.
        /// </summary>
        protected List<Dictionary<string, object>> ByName(IEnumerable<Dictionary<string, object>> items, string property, IEnumerable<string> patterns, Func<string, ErrorRecord> notFound)
        {
            var all = items.ToList();
            if (patterns == null) return all;
            var list = patterns.ToList();
            var matchers = list.Select(p => WildcardPattern.Get(p, WildcardOptions.IgnoreCase)).ToList();
            var kept = all.Where(i => { var n = HciData.Str(i, property); return n != null && matchers.Any(m => m.IsMatch(n)); }).ToList();
            for (int i = 0; i < list.Count; i++)
            {
                if (WildcardPattern.ContainsWildcardCharacters(list[i])) continue;
                if (!kept.Any(k => matchers[i].IsMatch(HciData.Str(k, property) ?? ""))) WriteError(notFound(list[i]));
            }
            return kept;
        }

        /// <summary>Enum-like values compared the way their parameter and display forms differ: AutoSelect equals Auto-Select.</summary>
        protected static bool SameEnumValue(string a, string b)
        {
            Func<string, string> norm = s => new string((s ?? "").Where(char.IsLetterOrDigit).ToArray()).ToLowerInvariant();
            return norm(a) == norm(b);
        }
    }
}
