#!/usr/bin/env node
import { ConfigError, loadConfig, usage } from './config/config';
import { startGateway } from './gateway';

/** Starts the gateway from the command line and stops it cleanly on SIGINT / SIGTERM. */
async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(usage() + '\n');
    return;
  }
  const config = loadConfig(argv);
  const gateway = await startGateway(config);
  const out = (line = '') => process.stdout.write(line + '\n');
  out(`Remote Support gateway (${config.mode}) for cluster ${gateway.desk.name}`);
  out(`  listening on ${gateway.url} (TLS 1.2 or newer; certificate ${config.tls.certFile ?? config.dataDir + '/tls/gateway.crt'})`);
  out(`  data directory ${config.dataDir}`);
  const cred = gateway.localCredential;
  if (cred) {
    const link = cred.mintLoginLink();
    out('');
    out(`  Open this one-time link to sign in (good once, until ${new Date(link.expiresAt).toISOString()}):`);
    out(`    ${gateway.url}${link.path}`);
    out('  Another link: npx remote-support login-link');
    out(`  The admin credential (for the CLI and scripts) is in ${cred.path}${cred.created ? ' (created now)' : ''}`);
    out(`  The CLI finds this gateway by itself: npx remote-support status`);
  }
  out(`  PowerShell cmdlets (Enable-AzStackHCIRemoteSupport, …): npm run powershell; their configuration is ${gateway.moduleConfigPath}`);
  const relay = gateway.relay;
  if (relay?.local) {
    out(`  Engineers connect through the local relay (standing in for Azure Relay) at ${relay.local.pointer.address}; the gateway listens there while access is granted`);
  } else if (relay) {
    out(`  Engineers connect through Azure Relay at ${relay.manager.status.address ?? "the Hybrid Connection a grant's SAS names"}; the gateway listens there while access is granted`);
  } else {
    out(`  Engineers connect to ${gateway.channelUrl} (the relay is off)`);
  }
  if (gateway.identityProvider) {
    out(`  Engineers sign in through the local identity provider at ${gateway.identityProvider.issuer} (embedded default only):`);
    out(`    npx support-console --case <support case number>${relay?.local ? '            # through the local relay' : ''}`);
    if (relay?.local) out('    npx support-console --case <support case number> --direct   # straight to the gateway, as on-premises');
  }
  if (gateway.wacHost) out(`  The host page's extension runs the PowerShell module through the WAC PowerShell API stand-in (${gateway.wacHost.prefix.replace(':node', encodeURIComponent(gateway.desk.name))})`);
  if (!gateway.uiServed) out('  The extension is not built (npm run build builds it); / shows a status page meanwhile.');
  out('');
  out('Press Ctrl+C to stop.');
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    out(`\n${signal}: stopping…`);
    gateway.close().then(() => process.exit(0), (e) => {
      process.stderr.write(`${String(e)}\n`);
      process.exit(1);
    });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((e) => {
  process.stderr.write(`${e instanceof ConfigError ? e.message + '\n\n' + usage() : e instanceof Error ? e.message : String(e)}\n`);
  process.exit(2);
});
