import type { ResultObject, ResultValue } from './node-executor';

/**
 * Console text for command output, laid out like PowerShell's default views:
 * a table (header, dashed underline under each label, one row per object,
 * numbers right-aligned) or a list (`Label : value`). The columns per cmdlet
 * follow the default view PowerShell's format data gives that cmdlet's
 * objects; a cmdlet without a view here gets PowerShell's fallback (a table
 * of up to four properties, otherwise a list).
 */

/** How a cell shows its value. */
export type ColumnFormat =
  /** Bytes as the Storage module shows them: `3.49 TB`, `894.25 GB`. */
  | 'bytes'
  /** Bytes as whole mebibytes, for the `(M)` columns of Hyper-V's views. */
  | 'megabytes'
  /** An ISO 8601 time as en-US `M/d/yyyy h:mm:ss AM` (UTC). */
  | 'datetime';

export interface ViewColumn {
  /** The header, e.g. `MemoryAssigned(M)`. */
  label: string;
  /** The object property the cell shows. */
  property: string;
  format?: ColumnFormat;
  /** Left unless given; a column of numbers (or a bytes column) is right-aligned. */
  align?: 'left' | 'right';
}

export interface OutputView {
  kind: 'table' | 'list';
  columns: readonly ViewColumn[];
}

const col = (property: string, extra: Partial<ViewColumn> = {}): ViewColumn => ({ label: property, property, ...extra });
const table = (...columns: ViewColumn[]): OutputView => ({ kind: 'table', columns });
const list = (...columns: ViewColumn[]): OutputView => ({ kind: 'list', columns });

/**
 * The default view per cmdlet, keyed the way PowerShell keys format data by
 * the type of the objects; here each cmdlet writes one type, so the cmdlet
 * names it. Cmdlets that write nothing by default (the repair cmdlets) need none.
 */
export const OUTPUT_VIEWS: Readonly<Record<string, OutputView>> = {
  'Get-AzureStackHCI': list(
    col('ClusterStatus'), col('RegistrationStatus'), col('RegistrationDate', { format: 'datetime' }), col('AzureResourceName'),
    col('AzureResourceUri'), col('ConnectionStatus'), col('LastConnected', { format: 'datetime' }), col('NextSync', { format: 'datetime' }),
    col('IMDSAttestation'), col('DiagnosticLevel'), col('Region'),
  ),
  'Get-Cluster': table(col('Name')),
  'Get-ClusterGroup': table(col('Name'), col('OwnerNode'), col('State')),
  'Get-ClusterNode': table(col('Name'), col('State'), col('Type')),
  'Get-ClusterOwnerNode': table(col('ClusterObject'), col('OwnerNodes')),
  'Get-ClusterResource': table(col('Name'), col('State'), col('OwnerGroup'), col('ResourceType')),
  'Get-ClusterSharedVolume': table(col('Name'), col('State'), { label: 'Node', property: 'OwnerNode' }),
  'Get-NetAdapter': table(col('Name'), col('InterfaceDescription'), col('ifIndex'), col('Status'), col('MacAddress'), col('LinkSpeed', { align: 'right' })),
  'Get-NetAdapterRdma': table(col('Name'), col('InterfaceDescription'), col('Enabled'), col('Operational'), col('PFC'), col('ETS')),
  'Get-PhysicalDisk': table(
    col('Number'), col('FriendlyName'), col('SerialNumber'), col('MediaType'), col('CanPool'), col('OperationalStatus'),
    col('HealthStatus'), col('Usage'), col('Size', { format: 'bytes' }),
  ),
  'Get-StorageEnclosure': table(col('FriendlyName'), col('SerialNumber'), col('NumberOfSlots'), col('OperationalStatus'), col('HealthStatus')),
  'Get-StorageJob': table(
    col('Name'), col('IsBackgroundTask'), col('ElapsedTime'), col('JobState'), col('PercentComplete'),
    col('BytesProcessed', { format: 'bytes' }), col('BytesTotal', { format: 'bytes' }),
  ),
  'Get-StorageNode': table(col('Name'), col('Manufacturer'), col('Model'), col('OperationalStatus')),
  'Get-StorageSubsystem': table(col('FriendlyName'), col('HealthStatus'), col('OperationalStatus')),
  'Get-VHD': list(
    col('ComputerName'), col('Path'), col('VhdFormat'), col('VhdType'), col('FileSize'), col('Size'), col('MinimumSize'),
    col('LogicalSectorSize'), col('PhysicalSectorSize'), col('BlockSize'), col('ParentPath'), col('DiskIdentifier'),
    col('FragmentationPercentage'), col('Alignment'), col('Attached'), col('DiskNumber'), col('IsPMEMCompatible'),
    col('AddressAbstractionType'), col('Number'),
  ),
  'Get-VirtualDisk': table(
    col('FriendlyName'), col('ResiliencySettingName'), col('FaultDomainRedundancy'), col('OperationalStatus'), col('HealthStatus'),
    col('Size', { format: 'bytes' }), col('FootprintOnPool', { format: 'bytes' }), col('StorageEfficiency', { align: 'right' }),
  ),
  'Get-VM': table(
    col('Name'), col('State'), { label: 'CPUUsage(%)', property: 'CPUUsage' }, { label: 'MemoryAssigned(M)', property: 'MemoryAssigned', format: 'megabytes' },
    col('Uptime'), col('Status'), col('Version'),
  ),
  'Get-VMHost': table(
    col('Name'), col('LogicalProcessorCount'), { label: 'MemoryCapacity(M)', property: 'MemoryCapacity', format: 'megabytes' }, col('VirtualMachineMigrationEnabled'),
  ),
  'Get-VMSwitch': table(col('Name'), col('SwitchType'), col('NetAdapterInterfaceDescription')),
  'Get-Volume': table(
    col('DriveLetter'), col('FriendlyName'), col('FileSystemType'), col('DriveType'), col('HealthStatus'), col('OperationalStatus'),
    col('SizeRemaining', { format: 'bytes' }), col('Size', { format: 'bytes' }),
  ),
  'Get-Service': table(col('Status'), col('Name'), col('DisplayName')),
};

/** The default view of a cmdlet's objects, or undefined when it has none here. */
export function outputView(cmdlet: string): OutputView | undefined {
  return Object.prototype.hasOwnProperty.call(OUTPUT_VIEWS, cmdlet) ? OUTPUT_VIEWS[cmdlet] : undefined;
}

/**
 * Lays objects out with the cmdlet's default view, or PowerShell's fallback
 * when there is none or the objects are not the view's kind (the first
 * object has none of its properties, as PowerShell picks a view by the first
 * object's type). '' for no objects.
 */
export function formatObjects(cmdlet: string, objects: readonly ResultObject[]): string {
  if (objects.length === 0) return '';
  const known = outputView(cmdlet);
  const fits = known?.columns.some((c) => Object.prototype.hasOwnProperty.call(objects[0], c.property));
  const view = known && fits ? known : fallbackView(objects);
  return view.kind === 'table' ? formatTable(objects, view.columns) : formatList(objects, view.columns);
}

/** PowerShell's rule without format data: a table when the first object has at most four properties, else a list of all. */
function fallbackView(objects: readonly ResultObject[]): OutputView {
  const columns = Object.keys(objects[0]!).map((p) => col(p));
  return { kind: columns.length <= 4 ? 'table' : 'list', columns };
}

/** A table: labels, a dashed underline as long as each label, rows; columns one space apart; no trailing spaces. */
export function formatTable(objects: readonly ResultObject[], columns: readonly ViewColumn[]): string {
  const cells = objects.map((o) => columns.map((c) => cellText(o[c.property], c.format)));
  const right = columns.map((c, i) => (c.align ? c.align === 'right' : c.format === 'bytes' || c.format === 'megabytes' || isNumberColumn(objects, c.property, cells, i)));
  const widths = columns.map((c, i) => Math.max(c.label.length, ...cells.map((row) => row[i]!.length)));
  const line = (parts: readonly string[]) =>
    parts.map((p, i) => (right[i] ? p.padStart(widths[i]!) : p.padEnd(widths[i]!))).join(' ').trimEnd();
  const out = [line(columns.map((c) => c.label)), line(columns.map((c) => '-'.repeat(c.label.length))), ...cells.map(line)];
  return out.join('\n') + '\n';
}

/** A list: `Label : value` per property, labels padded to one width, a blank line between objects. */
export function formatList(objects: readonly ResultObject[], columns: readonly ViewColumn[]): string {
  const width = Math.max(...columns.map((c) => c.label.length));
  return objects
    .map((o) => columns.map((c) => `${c.label.padEnd(width)} : ${cellText(o[c.property], c.format)}`.trimEnd()).join('\n') + '\n')
    .join('\n');
}

function isNumberColumn(objects: readonly ResultObject[], property: string, cells: string[][], index: number): boolean {
  let any = false;
  for (let r = 0; r < objects.length; r++) {
    const v = objects[r]![property];
    if (cells[r]![index] === '') continue;
    if (typeof v !== 'number') return false;
    any = true;
  }
  return any;
}

// Node output reaches an engineer's terminal: control characters (an escape
// sequence could rewrite the screen) are shown as U+FFFD, never sent.
// eslint-disable-next-line no-control-regex -- finding control characters is the point of this pattern
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** One cell: '' for null, True/False, `{a, b}` for lists (four at most, then ...), formatted per column. */
export function cellText(value: ResultValue | undefined, format?: ColumnFormat): string {
  return clean(raw(value, format));
}

function raw(value: ResultValue | undefined, format?: ColumnFormat): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') {
    if (format === 'bytes') return formatStorageSize(value);
    if (format === 'megabytes') return String(Math.round(value / 1024 ** 2));
    return String(value);
  }
  if (typeof value === 'string') return format === 'datetime' ? formatDateTime(value) : value;
  if (Array.isArray(value)) {
    const shown = value.slice(0, 4).map((v) => raw(v));
    return `{${shown.join(', ')}${value.length > 4 ? '...' : ''}}`;
  }
  return `@{${Object.entries(value).map(([k, v]) => `${k}=${raw(v)}`).join('; ')}}`;
}

function clean(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/\t/g, ' ').replace(CONTROL, '\uFFFD');
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];

/** Bytes as the Storage module shows them: the largest binary unit that keeps the number at 1 or more, two decimals at most. */
export function formatStorageSize(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const rounded = Math.round(value * 100) / 100;
  return `${rounded} ${UNITS[unit]}`;
}

/** `2026-11-25T09:05:00Z` as `11/25/2026 9:05:00 AM`; anything that is not a time is shown as given. */
export function formatDateTime(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const d = new Date(t);
  const h = d.getUTCHours();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()} ${h % 12 === 0 ? 12 : h % 12}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'}`;
}
